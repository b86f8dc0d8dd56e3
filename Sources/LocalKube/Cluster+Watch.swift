import KubernetesModel

extension LocalKubeCluster {
    /// Open a watch: replay from `resourceVersion` (or the current state as ADDED when unset / "0"),
    /// then stream changes until `timeoutSeconds`, a dropped watch, or shutdown.
    func watch(_ type: ResourceType, namespace: String?, request: APIRequest) throws(APIError) -> APIResponse {
        let filter = try ObjectFilter(namespace: namespace, query: request.query, type: type)
        let rvText = request.query["resourceVersion"] ?? ""
        // The initial events first: the watch's buffer holds them plus `watchBufferLimit` changes.
        var initial: [[UInt8]] = []
        var expired: KubeStatus?
        if rvText.isEmpty || rvText == "0" {
            for (_, object) in store.list(type.key, namespace: namespace) where filter.matches(object) {
                initial.append(Self.watchLine(type: "ADDED", object: served(object, as: type)))
            }
        } else {
            guard let rv = Int64(rvText) else {
                throw APIError.badRequest("resourceVersion: Invalid value: \"\(rvText)\": must be a valid resourceVersion")
            }
            if let events = history.events(after: rv) {
                let selection = Watcher(resource: type.key, apiVersion: type.apiVersion, kind: type.kind, filter: filter, continuation: nil)
                initial = events.compactMap { Self.eventLine($0, for: selection) }
            } else {
                expired = KubeStatus(message: "too old resource version: \(rv) (\(history.floor + 1))", reason: "Expired", code: 410)
            }
        }
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingOldest(initial.count + max(1, settings.watchBufferLimit)))
        for line in initial { continuation.yield(line) }
        if let expired {
            continuation.yield(Self.watchLine(type: "ERROR", object: expired.json))
            continuation.finish()
            return APIResponse(status: 200, body: .stream(stream))
        }
        let watcher = Watcher(resource: type.key, apiVersion: type.apiVersion, kind: type.kind, filter: filter, continuation: continuation)

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
            // As kube-apiserver's watch cache: a bookmark every interval and one 2 s before the
            // deadline (none when the deadline is closer than that), so that a client's next
            // watch resumes from a fresh resourceVersion even where nothing changed.
            let preTimeout = deadline.advanced(by: .seconds(-2))
            var preTimeoutDue = bookmarks && clock.now < preTimeout
            while clock.now < deadline {
                // Without bookmarks the task only wakes at the deadline.
                var next = bookmarks ? min(deadline, clock.now.advanced(by: interval)) : deadline
                if preTimeoutDue { next = min(next, preTimeout) }
                do { try await clock.sleep(until: next) } catch { break }
                guard let self, await self.watchIsOpen(id) else { return }
                if clock.now < deadline, bookmarks {
                    if clock.now >= preTimeout { preTimeoutDue = false }
                    await self.sendBookmark(id)
                }
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
        watchers[id]?.continuation?.finish()
        watchers[id] = nil
    }

    func sendBookmark(_ id: Int) {
        guard let w = watchers[id] else { return }
        let object: JSONValue = ["kind": .string(w.kind), "apiVersion": .string(w.apiVersion),
                                 "metadata": ["resourceVersion": .string(String(resourceVersion)), "creationTimestamp": .null]]
        deliver(Self.watchLine(type: "BOOKMARK", object: object), to: id)
    }

    /// Queues a line on watch `id`. A watcher whose buffer is full is closed, as the watch cache
    /// closes an unresponsive watcher: the client resumes from the last resourceVersion it read
    /// (or relists when that is too old) instead of the server holding its backlog without end.
    func deliver(_ line: [UInt8], to id: Int) {
        guard let w = watchers[id], let continuation = w.continuation else { return }
        switch continuation.yield(line) {
        case .enqueued:
            return
        case .dropped:
            logger.info("closing a watcher that does not keep up: its buffer is full",
                        metadata: ["resource": "\(w.resource)", "buffer": "\(settings.watchBufferLimit)"])
            w.close()
            watchers[id] = nil
        case .terminated:
            w.timer?.cancel()
            watchers[id] = nil
        @unknown default:
            return
        }
    }

    /// Number of open watches (tests, metrics).
    public var openWatchCount: Int { watchers.count }
}
