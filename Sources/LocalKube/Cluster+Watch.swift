import KubernetesModel

extension LocalKubeCluster {
    /// Open a watch: replay from `resourceVersion` (or the current state as ADDED when unset / "0"),
    /// then stream changes until `timeoutSeconds`, a dropped watch, or shutdown.
    func watch(_ type: ResourceType, namespace: String?, request: APIRequest) throws(APIError) -> APIResponse {
        let filter = try ObjectFilter(namespace: namespace, query: request.query, type: type)
        let rvText = request.query["resourceVersion"] ?? ""
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .unbounded)
        let watcher = Watcher(resource: type.key, apiVersion: type.apiVersion, kind: type.kind, filter: filter, continuation: continuation)

        if rvText.isEmpty || rvText == "0" {
            for (_, object) in store.list(type.key, namespace: namespace) where filter.matches(object) {
                continuation.yield(Self.watchLine(type: "ADDED", object: served(object, as: type)))
            }
        } else {
            guard let rv = Int64(rvText) else {
                throw APIError.badRequest("resourceVersion: Invalid value: \"\(rvText)\": must be a valid resourceVersion")
            }
            guard let events = history.events(after: rv) else {
                let status = KubeStatus(message: "too old resource version: \(rv) (\(history.floor + 1))", reason: "Expired", code: 410)
                continuation.yield(Self.watchLine(type: "ERROR", object: status.json))
                continuation.finish()
                return APIResponse(status: 200, body: .stream(stream))
            }
            for event in events {
                if let line = Self.eventLine(event, for: watcher) { continuation.yield(line) }
            }
        }

        let id = nextWatcherID
        nextWatcherID += 1
        watchers[id] = watcher
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeWatcher(id) }
        }
        let timeout: Duration = request.query["timeoutSeconds"].flatMap { Int($0) }.flatMap { $0 > 0 ? Duration.seconds($0) : nil }
            ?? settings.maximumWatchDuration
        let bookmarks = request.queryFlag("allowWatchBookmarks")
        let interval = settings.bookmarkInterval
        watchers[id]?.timer = Task { [weak self] in
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: timeout)
            while clock.now < deadline {
                // Without bookmarks the task only wakes at the deadline.
                let next = bookmarks ? min(deadline, clock.now.advanced(by: interval)) : deadline
                do { try await clock.sleep(until: next) } catch { break }
                guard let self, await self.watchIsOpen(id) else { return }
                if clock.now < deadline, bookmarks { await self.sendBookmark(id) }
            }
            await self?.endWatch(id)
        }
        return APIResponse(status: 200, body: .stream(stream))
    }

    func watchIsOpen(_ id: Int) -> Bool { watchers[id] != nil }

    func removeWatcher(_ id: Int) {
        watchers[id]?.timer?.cancel()
        watchers[id] = nil
    }

    func endWatch(_ id: Int) {
        watchers[id]?.continuation.finish()
        watchers[id] = nil
    }

    func sendBookmark(_ id: Int) {
        guard let w = watchers[id] else { return }
        let object: JSONValue = ["kind": .string(w.kind), "apiVersion": .string(w.apiVersion),
                                 "metadata": ["resourceVersion": .string(String(resourceVersion)), "creationTimestamp": .null]]
        w.continuation.yield(Self.watchLine(type: "BOOKMARK", object: object))
    }

    /// Number of open watches (tests, metrics).
    public var openWatchCount: Int { watchers.count }
}
