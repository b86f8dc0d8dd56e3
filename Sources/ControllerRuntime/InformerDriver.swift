import KubernetesClient

/// The informers a group runs, and where each stands; changed only by the group's task (see
/// `InformerGroup`), one message at a time.
struct InformerDriver {
    private let inbox: InformerInbox
    private var running: [UInt64: DrivenInformer] = [:]
    private var serials: [ObjectIdentifier: UInt64] = [:]
    private var lastSerial: UInt64 = 0
    /// The one timer of the group's pauses: when it rings, and its task.
    private var alarm: (at: ContinuousClock.Instant, task: Task<Void, Never>)?

    init(inbox: InformerInbox) {
        self.inbox = inbox
    }

    var isEmpty: Bool { running.isEmpty }

    mutating func handle(_ message: InformerMessage) {
        switch message {
        case .start(let informer):
            let id = ObjectIdentifier(informer)
            guard serials[id] == nil else { return }
            lastSerial += 1
            serials[id] = lastSerial
            running[lastSerial] = DrivenInformer(informer: informer, serial: lastSerial, inbox: inbox)
            step(lastSerial) { $0.begin() }
        case .stop(let id):
            guard let serial = serials.removeValue(forKey: id) else { return }
            // Dropping it closes its watch; its step in flight ends cancelled, unawaited.
            running.removeValue(forKey: serial)?.work?.cancel()
        case .listed(let serial, let result): step(serial) { $0.listed(result) }
        case .opened(let serial, let result): step(serial) { $0.opened(result) }
        case .ready(let serial): step(serial) { $0.eventsReady() }
        case .delivered(let serial): step(serial) { $0.delivered() }
        case .alarm: ring()
        }
    }

    /// Moves an informer on; one that stops (`false`) leaves the group. The end of a step of
    /// an informer no longer running is dropped.
    private mutating func step(_ serial: UInt64, _ move: (inout DrivenInformer) -> Bool) {
        guard running[serial] != nil else { return }
        guard move(&running[serial]!) else {
            if let stopped = running.removeValue(forKey: serial) {
                serials.removeValue(forKey: ObjectIdentifier(stopped.informer))
            }
            return
        }
        if case .pausing(let until) = running[serial]!.step { setAlarm(at: until) }
    }

    /// The alarm rings at `deadline` unless it already rings sooner.
    private mutating func setAlarm(at deadline: ContinuousClock.Instant) {
        if let alarm, alarm.at <= deadline { return }
        alarm?.task.cancel()
        let inbox = self.inbox
        alarm = (deadline, Task {
            do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return }
            inbox.post(.alarm)
        })
    }

    /// Ends the pauses that are over, and sets the alarm for the next.
    private mutating func ring() {
        alarm?.task.cancel()
        alarm = nil
        let now = ContinuousClock.now
        for (serial, driven) in running {
            guard case .pausing(let until) = driven.step else { continue }
            if until <= now {
                step(serial) { $0.pauseOver() }
            } else {
                setAlarm(at: until)
            }
        }
    }

    /// Cancels every step in flight, closes every watch, and waits until the steps have ended.
    mutating func stopAll() async {
        let steps = running.values.compactMap(\.work) + (alarm.map { [$0.task] } ?? [])
        alarm = nil
        running.removeAll()
        serials.removeAll()
        for step in steps { step.cancel() }
        for step in steps { await step.value }
    }
}

/// One informer as a group drives it: its `ListWatchCycle`, the step it is in, and the task of
/// that step when it has one. Each function takes the end of a step and starts the next;
/// false: the informer stops (its cycle says so: cancelled).
struct DrivenInformer {
    enum Step {
        case beginning
        case listing
        case opening
        /// The watch is open and has nothing for us: it calls back (`whenReady`).
        case watching(WatchEvents)
        /// A batch of its events is being delivered; then, `then`.
        case delivering(WatchEvents, then: AfterDelivery)
        /// Until then (the group's alarm ends it: see `InformerDriver`).
        case pausing(until: ContinuousClock.Instant)
    }

    enum AfterDelivery {
        case more
        case ended
        case failed(any Error)
    }

    /// Events handed to one delivery task at most.
    static let batchLimit = 64

    let informer: Informer
    let serial: UInt64
    let inbox: InformerInbox
    var cycle: ListWatchCycle
    var step: Step = .beginning
    var work: Task<Void, Never>?

    init(informer: Informer, serial: UInt64, inbox: InformerInbox) {
        self.informer = informer
        self.serial = serial
        self.inbox = inbox
        cycle = informer.makeCycle()
    }

    /// A new cycle: a list first when there is no resourceVersion to resume from, then a watch.
    mutating func begin() -> Bool {
        informer.beginCycle(&cycle)
        if let resourceVersion = cycle.resourceVersion {
            openWatch(from: resourceVersion)
            return true
        }
        step = .listing
        let (informer, serial, inbox) = (informer, serial, self.inbox)
        work = Task {
            let result = await Self.result { try await informer.listAndAnnounce() }
            inbox.post(.listed(serial: serial, result))
        }
        return true
    }

    mutating func listed(_ result: Result<String, any Error>) -> Bool {
        guard case .listing = step else { return true }
        work = nil
        switch result {
        case .success(let resourceVersion):
            cycle.resourceVersion = resourceVersion
            cycle.justListed = true
            // Polling: the list is as fresh as a watch would make it.
            if case .polling = informer.following { return endCycle(.success(())) }
            openWatch(from: resourceVersion)
            return true
        case .failure(let error):
            return endCycle(.failure(error))
        }
    }

    private mutating func openWatch(from resourceVersion: String) {
        cycle.progress = WatchProgress(resourceVersion: resourceVersion)
        step = .opening
        let (informer, serial, inbox) = (informer, serial, self.inbox)
        work = Task {
            let result = await Self.result { try await informer.watchRequest(from: resourceVersion) }
            inbox.post(.opened(serial: serial, result))
        }
    }

    mutating func opened(_ result: Result<WatchEvents, any Error>) -> Bool {
        guard case .opening = step else { return true }
        work = nil
        switch result {
        case .success(let events):
            cycle.progress?.opened = .now
            step = .watching(events)
            return drain()
        case .failure(let error):
            return endCycle(.failure(error))
        }
    }

    mutating func eventsReady() -> Bool {
        guard case .watching = step else { return true }
        return drain()
    }

    /// Takes what the watch has now: a batch of events to deliver (in a task, as the handler
    /// may wait), the end of the watch, or nothing (then the watch calls back).
    private mutating func drain() -> Bool {
        guard case .watching(let events) = step else { return true }
        var batch: [WatchEvent] = []
        var then = AfterDelivery.more
        reading: while batch.count < Self.batchLimit {
            do {
                switch try events.nextIfReady() {
                case .event(let event):
                    cycle.progress?.delivered += 1
                    if let resourceVersion = event.resourceVersion { cycle.progress?.resourceVersion = resourceVersion }
                    batch.append(event)
                case .end:
                    then = .ended
                    break reading
                case .notYet:
                    if batch.isEmpty {
                        let (serial, inbox) = (serial, self.inbox)
                        events.whenReady { inbox.post(.ready(serial: serial)) }
                        return true
                    }
                    break reading
                }
            } catch {
                then = .failed(error)
                break reading
            }
        }
        guard !batch.isEmpty else { return afterDelivery(then) }
        step = .delivering(events, then: then)
        let (informer, serial, inbox) = (informer, serial, self.inbox)
        work = Task {
            for event in batch where !Task.isCancelled { await informer.receive(event) }
            inbox.post(.delivered(serial: serial))
        }
        return true
    }

    mutating func delivered() -> Bool {
        guard case .delivering(let events, let then) = step else { return true }
        work = nil
        step = .watching(events)
        return afterDelivery(then)
    }

    private mutating func afterDelivery(_ then: AfterDelivery) -> Bool {
        switch then {
        case .more: return drain()
        case .ended: return endCycle(.success(()))
        case .failed(let error): return endCycle(.failure(error))
        }
    }

    /// The cycle's list or watch ended (or failed): what `ListWatchCycle` says comes next.
    private mutating func endCycle(_ outcome: Result<Void, any Error>) -> Bool {
        // Drops the watch: its request stops if it has not ended.
        step = .beginning
        let next: ListWatchCycle.Next
        switch outcome {
        case .success: next = informer.cycleCompleted(&cycle)
        case .failure(let error): next = cycle.failed(error)
        }
        switch next {
        case .now:
            return begin()
        case .after(let delay):
            step = .pausing(until: .now + delay)
            return true
        case .stop:
            return false
        }
    }

    mutating func pauseOver() -> Bool {
        guard case .pausing = step else { return true }
        return begin()
    }

    private static func result<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}
