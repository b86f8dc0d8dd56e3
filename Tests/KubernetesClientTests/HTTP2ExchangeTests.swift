import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Logging
import Testing
@testable import KubernetesClient

/// One request and its answer on a stream (`HTTP2Exchange`, `HTTP2Streams`), through a client
/// connection set up as `HTTP2Session.configure` does and a server speaking swift-nio-http2's
/// server side frame by frame, on embedded channels: what the client writes, what its receiver
/// is told and when, and that the server gets room to send only as fast as the receiver takes
/// the body.
@Suite struct HTTP2ExchangeTests {
    /// Records what the exchange tells its receiver; body pieces wait for `release` when `hold`.
    final class Receiver: HTTP2AnswerReceiver, @unchecked Sendable {
        var status: Int?
        var body: [UInt8] = []
        var results: [Result<Void, any Error>] = []
        var hold = false
        var held: [EventLoopPromise<Void>] = []

        func receivedHead(status: Int, headers: HTTPHeaders) { self.status = status }
        /// Called with each piece, before it is taken.
        var onBody: (() -> Void)?

        func receivedBody(_ buffer: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
            body.append(contentsOf: buffer.readableBytesView)
            onBody?()
            guard hold else { return eventLoop.makeSucceededVoidFuture() }
            let promise = eventLoop.makePromise(of: Void.self)
            held.append(promise)
            return promise.futureResult
        }
        func ended(_ result: Result<Void, any Error>) { results.append(result) }

        /// The exchange ended once, and well.
        func expectEndedWell(sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(results.count == 1, sourceLocation: sourceLocation)
            if case .failure(let error) = results.first { Issue.record("ended with \(error)", sourceLocation: sourceLocation) }
        }

        /// The exchange ended once, with an error: which.
        func error(sourceLocation: SourceLocation = #_sourceLocation) -> (any Error)? {
            #expect(results.count == 1, sourceLocation: sourceLocation)
            guard case .failure(let error) = results.first else {
                Issue.record("did not fail: \(results)", sourceLocation: sourceLocation)
                return nil
            }
            return error
        }

        func release() {
            let promises = held
            held = []
            for promise in promises { promise.succeed() }
        }

        /// Takes the first `count` pieces held.
        func release(first count: Int) {
            let promises = held.prefix(count)
            held.removeFirst(promises.count)
            for promise in promises { promise.succeed() }
        }
    }

    /// What the server's side reads: the client's frames, in order.
    final class FrameRecorder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTP2Frame
        var frames: [HTTP2Frame] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { frames.append(unwrapInboundIn(data)) }

        /// The WINDOW_UPDATE increments the client sent for `stream`.
        func windowUpdates(for stream: HTTP2StreamID) -> [Int] {
            frames.compactMap { frame in
                guard frame.streamID == stream, case .windowUpdate(let increment) = frame.payload else { return nil }
                return increment
            }
        }

        func resets(of stream: HTTP2StreamID) -> [HTTP2ErrorCode] {
            frames.compactMap { frame in
                guard frame.streamID == stream, case .rstStream(let code) = frame.payload else { return nil }
                return code
            }
        }
    }

    /// A client connection set up as `HTTP2Session.configure` does, and a server speaking
    /// swift-nio-http2's server side frame by frame, on embedded channels, past the preface and
    /// SETTINGS.
    struct Connection {
        let client = EmbeddedChannel()
        let server = EmbeddedChannel()
        let session: HTTP2Session
        let serverReads = FrameRecorder()
        /// The client's frames of the handshake (its SETTINGS and acknowledgement).
        private(set) var handshake: [HTTP2Frame] = []

        init(server settings: HTTP2Settings = nioDefaultSettings) throws {
            try client.pipeline.syncOperations.addHandler(ReadClock())
            session = try HTTP2Session.configure(client)
            var configuration = NIOHTTP2Handler.ConnectionConfiguration()
            configuration.initialSettings = settings
            try server.pipeline.syncOperations.addHandler(NIOHTTP2Handler(mode: .server, connectionConfiguration: configuration))
            try server.pipeline.syncOperations.addHandler(serverReads)
            try client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try server.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            // The preface and SETTINGS both ways, and their acknowledgements.
            try toServer()
            try toClient()
            try toServer()
            handshake = serverReads.frames
            serverReads.frames = []
        }

        func toServer() throws { while let bytes = try client.readOutbound(as: ByteBuffer.self) { try server.writeInbound(bytes) } }
        func toClient() throws {
            while let bytes = try server.readOutbound(as: ByteBuffer.self) { try client.writeInbound(bytes) }
            client.embeddedEventLoop.run()
        }

        /// Both ways until neither side has more to say.
        func exchangeAll() throws {
            for _ in 0..<1000 {
                // What the client left for later (its WINDOW_UPDATEs) first.
                client.embeddedEventLoop.run()
                var moved = false
                while let bytes = try client.readOutbound(as: ByteBuffer.self) { try server.writeInbound(bytes); moved = true }
                while let bytes = try server.readOutbound(as: ByteBuffer.self) { try client.writeInbound(bytes); moved = true }
                client.embeddedEventLoop.run()
                if !moved { return }
            }
            Issue.record("the two sides never went quiet")
        }

        /// Starts a request on the connection; its receiver says how it ended.
        func start(_ method: String, body: String? = nil, receiver: Receiver,
                   deadline: NIODeadline = .uptimeNanoseconds(60_000_000_000)) -> (Receiver, HTTP2Exchange) {
            var head = HPACKHeaders()
            head.add(name: ":method", value: method)
            head.add(name: ":scheme", value: "https")
            head.add(name: ":authority", value: "cluster")
            head.add(name: ":path", value: "/api/v1/namespaces/default/configmaps")
            let exchange = HTTP2Exchange(headers: head, body: body.map { ByteBuffer(string: $0) }, receiver: receiver,
                                         deadline: deadline, limit: .seconds(60), eventLoop: client.eventLoop)
            session.start(exchange)
            client.embeddedEventLoop.run()
            return (receiver, exchange)
        }

        func start(_ method: String, body: String? = nil) -> Receiver { start(method, body: body, receiver: Receiver()).0 }

        /// The server writes a frame of `stream` (flushed; not yet read by the client).
        func answer(_ stream: Int, _ payload: HTTP2Frame.FramePayload) {
            server.writeAndFlush(HTTP2Frame(streamID: HTTP2StreamID(stream), payload: payload), promise: nil)
        }

        func head(_ stream: Int, _ status: Int, endStream: Bool = false) {
            answer(stream, .headers(.init(headers: HPACKHeaders([(":status", "\(status)")]), endStream: endStream)))
        }

        func data(_ stream: Int, _ text: String, endStream: Bool = false) {
            answer(stream, .data(.init(data: .byteBuffer(ByteBuffer(string: text)), endStream: endStream)))
        }

        /// The server's GOAWAY, and the client has read it.
        func goAway(lastStreamID: HTTP2StreamID) throws {
            server.writeAndFlush(HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: lastStreamID, errorCode: .noError, opaqueData: nil)),
                                 promise: nil)
            try toClient()
        }

        func finish() {
            _ = try? client.finish()
            _ = try? server.finish()
        }
    }

    @Test func aRequestWithoutBodyIsOneHeadersFrameThatEndsTheStream() throws {
        let connection = try Connection()
        _ = connection.start("GET")
        try connection.toServer()
        let frames = connection.serverReads.frames.filter { $0.streamID != .rootStream }
        #expect(frames.count == 1)
        guard case .headers(let headers) = frames.first?.payload else { Issue.record("not HEADERS: \(frames)"); return }
        #expect(frames.first?.streamID == HTTP2StreamID(1))
        #expect(headers.endStream)
        #expect(headers.headers.first(name: ":path") == "/api/v1/namespaces/default/configmaps")
        connection.finish()
    }

    @Test func aBodyFollowsItsHeadInADataFrameThatEndsTheStream() throws {
        let connection = try Connection()
        _ = connection.start("PATCH", body: "{}")
        try connection.toServer()
        // (The connection's window may be opened up meanwhile: frames of stream 0 are not the request's.)
        let frames = connection.serverReads.frames.filter { $0.streamID != .rootStream }
        #expect(frames.count == 2)
        guard case .headers(let headers) = frames.first?.payload, case .data(let data) = frames.last?.payload else { Issue.record("\(frames)"); return }
        #expect(!headers.endStream)
        #expect(data.endStream)
        connection.finish()
    }

    @Test func theAnswerReachesTheReceiverInOrderAndEndsOnce() throws {
        let connection = try Connection()
        let receiver = connection.start("GET")
        try connection.toServer()
        connection.head(1, 100)
        try connection.toClient()
        #expect(receiver.status == nil, "an informational head is not the answer's")
        connection.head(1, 200)
        connection.data(1, "hello ")
        connection.data(1, "world", endStream: true)
        try connection.toClient()
        #expect(receiver.status == 200)
        #expect(String(decoding: receiver.body, as: UTF8.self) == "hello world")
        receiver.expectEndedWell()
        #expect(connection.session.openStreams == 0, "the ended stream is still on the table")
        connection.finish()
    }

    /// The client asks the server to keep no HPACK table for its answers' headers (SETTINGS_
    /// HEADER_TABLE_SIZE 0): answers then decode without one, answer after answer.
    @Test func answerHeadersNeedNoTable() throws {
        let connection = try Connection()
        let settings = connection.handshake.compactMap { frame -> HTTP2Settings? in
            guard case .settings(.settings(let settings)) = frame.payload else { return nil }
            return settings
        }.joined()
        #expect(settings.contains(HTTP2Setting(parameter: .headerTableSize, value: 0)))
        for stream in [1, 3, 5] {
            let receiver = connection.start("GET")
            try connection.toServer()
            connection.answer(stream, .headers(.init(headers: HPACKHeaders([(":status", "200"), ("content-type", "application/json"),
                                                                              ("audit-id", "id-\(stream)")]), endStream: true)))
            try connection.toClient()
            #expect(receiver.status == 200)
            receiver.expectEndedWell()
        }
        #expect(connection.client.isActive)
        connection.finish()
    }

    /// Streams of one connection each get their own frames, interleaved as the server sends them.
    @Test func eachStreamGetsItsOwnFrames() throws {
        let connection = try Connection()
        let first = connection.start("GET")
        let second = connection.start("GET")
        try connection.toServer()
        connection.head(3, 200)
        connection.head(1, 404)
        connection.data(1, "first")
        connection.data(3, "second", endStream: true)
        connection.data(1, "", endStream: true)
        try connection.toClient()
        #expect(first.status == 404)
        #expect(String(decoding: first.body, as: UTF8.self) == "first")
        #expect(second.status == 200)
        #expect(String(decoding: second.body, as: UTF8.self) == "second")
        first.expectEndedWell()
        second.expectEndedWell()
        connection.finish()
    }

    @Test func aStreamResetOrClosedBeforeTheEndFails() throws {
        let connection = try Connection()
        let reset = connection.start("GET")
        let closed = connection.start("GET")
        try connection.toServer()
        connection.head(1, 200)
        connection.answer(1, .rstStream(.internalError))
        connection.head(3, 200)
        try connection.toClient()
        #expect(reset.error().map { "\($0)" }?.contains("reset") == true)
        #expect(closed.results.isEmpty, "a reset of one stream ended another")
        try connection.client.close().wait()
        #expect(closed.error().map { "\($0)" }?.contains("closed before") == true)
        #expect(connection.session.openStreams == 0)
        connection.finish()
    }

    /// Something written to the connection while the answer's last frame is being handled (here
    /// the receiver starts another request) makes swift-nio-http2 report the stream's clean close
    /// before that frame has been handled: the answer still ends well, not as closed early.
    @Test func aWriteWhileTheLastFrameIsHandledDoesNotEndTheAnswerEarly() throws {
        let connection = try Connection()
        let receiver = Receiver()
        var next: Receiver?
        receiver.onBody = { if next == nil { next = connection.start("GET") } }
        _ = connection.start("GET", receiver: receiver)
        try connection.toServer()
        connection.head(1, 200)
        connection.data(1, "all of it", endStream: true)
        try connection.toClient()
        receiver.expectEndedWell()
        #expect(String(decoding: receiver.body, as: UTF8.self) == "all of it")
        #expect(next != nil)
        connection.finish()
    }

    /// A stream the server refused (RST_STREAM(REFUSED_STREAM)) was not acted on.
    @Test func aStreamTheServerRefusedFailsAsNotActedOn() throws {
        let connection = try Connection()
        let receiver = connection.start("POST", body: #"{"kind":"ConfigMap"}"#)
        try connection.toServer()
        connection.answer(1, .rstStream(.refusedStream))
        try connection.toClient()
        let error = receiver.error()
        #expect((error as? HTTP2AnswerError)?.wasNotProcessed == true, "\(String(describing: error))")
        connection.finish()
    }

    /// A stream a GOAWAY left out (above its last stream ID), which swift-nio-http2 closes with
    /// CANCEL, fails as not acted on: resent whatever the verb. One the GOAWAY kept goes on; a
    /// CANCEL from the server without a GOAWAY (it may have acted) stays a transport failure.
    @Test(arguments: [0, 1, nil] as [Int?])
    func aStreamTheGoAwayLeftOutFailsAsNotActedOn(lastStreamID: Int?) throws {
        let connection = try Connection()
        let receiver = connection.start("POST", body: #"{"kind":"ConfigMap"}"#)
        try connection.toServer()
        if let lastStreamID {
            try connection.goAway(lastStreamID: HTTP2StreamID(lastStreamID))
        } else {
            connection.answer(1, .rstStream(.cancel))
            try connection.toClient()
        }
        switch lastStreamID {
        case 0?:
            #expect((receiver.error() as? HTTP2AnswerError)?.wasNotProcessed == true)
        case 1?:
            #expect(receiver.results.isEmpty, "a stream the GOAWAY kept ended")
            connection.head(1, 201, endStream: true)
            try connection.toClient()
            receiver.expectEndedWell()
        default:
            let error = receiver.error()
            #expect((error as? HTTP2AnswerError)?.wasNotProcessed == false, "\(String(describing: error))")
        }
        connection.finish()
    }

    /// A create whose frames never reached the server, which then goes away having acted on none.
    @Test func aCreateLeftOutByAServersGoAwayFailsAsNotActedOnThroughAConnection() throws {
        let connection = try Connection()
        let (client, session) = (connection.client, connection.session)
        let receiver = connection.start("POST", body: #"{"kind":"ConfigMap"}"#)
        // The create's frames never reach the server; it goes away having acted on none.
        while try client.readOutbound(as: ByteBuffer.self) != nil {}
        try connection.goAway(lastStreamID: .rootStream)

        #expect(!session.isOpen, "a connection that got GOAWAY takes no new streams")
        guard case .failure(let error) = receiver.results.first else { Issue.record("the create did not fail: \(receiver.results)"); return }
        #expect((error as? HTTP2AnswerError)?.wasNotProcessed == true, "\(error)")
        connection.finish()
    }

    /// A create held back by the server's stream limit when its GOAWAY arrives: swift-nio-http2
    /// refuses to open its stream when a slot frees, so the server never saw it. It fails as
    /// not acted on (resent whatever its verb). Two ways: another stream still open (the stream
    /// refused as created after GOAWAY), or the last one ended (the connection quiesced). Before,
    /// the create was left waiting in both: nothing ended it here.
    @Test(arguments: [(limit: 2, lastStream: 3), (limit: 1, lastStream: 1)])
    func aCreateHeldBackByTheStreamLimitAtAGoAwayFailsAsNotActedOn(limit: Int, lastStream: Int) throws {
        let connection = try Connection(server: [HTTP2Setting(parameter: .maxConcurrentStreams, value: limit)])
        let gets = (0..<limit).map { _ in connection.start("GET") }
        let create = connection.start("POST", body: #"{"kind":"ConfigMap"}"#)
        try connection.toServer()  // the GETs' streams (1, 3) only: the create waits for a free one
        try connection.goAway(lastStreamID: HTTP2StreamID(lastStream))
        let waiting = gets.allSatisfy { $0.results.isEmpty } && create.results.isEmpty
        #expect(waiting, "the GOAWAY kept the GETs' streams; the create is still held back")

        // The server ends the first GET's stream: the create's turn comes, after the GOAWAY.
        connection.server.writeAndFlush(HTTP2Frame(streamID: HTTP2StreamID(1), payload: .rstStream(.cancel)), promise: nil)
        try connection.toClient()
        #expect(create.results.count == 1)
        guard case .failure(let error) = create.results.first else { Issue.record("the create did not fail: \(create.results)"); return }
        let notActedOn = (error as? HTTP2AnswerError)?.wasNotProcessed == true
        #expect(notActedOn, "\(error)")
        let othersGoOn = gets.dropFirst().allSatisfy { $0.results.isEmpty }
        #expect(othersGoOn, "the other GET goes on")
        connection.finish()
    }

    /// The server gets room to send more on a stream only as the receiver takes what came: while
    /// the receiver holds 600 KB of the 1 MB window, no WINDOW_UPDATE; once it has taken enough
    /// that half the window is free, one, of over half the window. The connection's own window is topped up as the bytes arrive (else the server would
    /// stop at its first 64 KB). The end waits for the receiver too.
    @Test func theServerGetsRoomOnlyAsTheReceiverTakes() throws {
        let connection = try Connection()
        let receiver = Receiver()
        receiver.hold = true
        _ = connection.start("GET", receiver: receiver)
        try connection.toServer()
        connection.head(1, 200)
        connection.data(1, String(repeating: "x", count: 600 * 1024))
        try connection.exchangeAll()
        #expect(receiver.body.count == 600 * 1024, "the connection's window held the server back")
        #expect(!connection.serverReads.windowUpdates(for: .rootStream).isEmpty)
        #expect(connection.serverReads.windowUpdates(for: HTTP2StreamID(1)).isEmpty, "room given while the receiver held the body")

        receiver.release()
        try connection.exchangeAll()
        let updates = connection.serverReads.windowUpdates(for: HTTP2StreamID(1))
        #expect(updates.count == 1)
        #expect((updates.first ?? 0) >= 512 * 1024)

        receiver.hold = true
        connection.data(1, "end", endStream: true)
        try connection.toClient()
        #expect(receiver.results.isEmpty, "ended before the receiver took the body")
        receiver.release()
        connection.client.embeddedEventLoop.run()
        receiver.expectEndedWell()
        connection.finish()
    }

    /// Trailers end the answer while the receiver still holds most of the body and our request's
    /// body still waits for room the server has not given: once the receiver takes the body, no
    /// WINDOW_UPDATE goes out on the stream the server ended (swift-nio-http2 refuses one, which
    /// failed the complete answer), and the exchange ends well.
    @Test func noRoomIsGivenOnAStreamTheServerEndedWithTrailers() throws {
        let connection = try Connection(server: [HTTP2Setting(parameter: .initialWindowSize, value: 10)])
        let receiver = Receiver()
        receiver.hold = true
        _ = connection.start("POST", body: String(repeating: "b", count: 30), receiver: receiver)
        try connection.toServer()
        connection.head(1, 200)
        connection.data(1, String(repeating: "x", count: 600 * 1024))
        try connection.exchangeAll()
        connection.answer(1, .headers(.init(headers: HPACKHeaders([("grpc-status", "0")]), endStream: true)))
        try connection.exchangeAll()
        #expect(receiver.results.isEmpty, "ended before the receiver took the body")
        // Enough taken that room would be due (more than half the window free), not all of it.
        receiver.release(first: receiver.held.count - 2)
        try connection.exchangeAll()
        receiver.release()
        try connection.exchangeAll()
        receiver.expectEndedWell()
        #expect(connection.serverReads.windowUpdates(for: HTTP2StreamID(1)).isEmpty)
        connection.finish()
    }

    /// A receiver that takes each piece at once: room is given back once half the window is
    /// used, in one step, not after every frame.
    @Test func roomIsGivenBackInLargeSteps() throws {
        let connection = try Connection()
        let receiver = connection.start("GET")
        try connection.toServer()
        connection.head(1, 200)
        for _ in 0..<40 { connection.data(1, String(repeating: "y", count: 16 * 1024)) }
        try connection.exchangeAll()
        #expect(receiver.body.count == 40 * 16 * 1024)
        #expect(connection.serverReads.windowUpdates(for: HTTP2StreamID(1)).count == 1)
        connection.finish()
    }

    @Test func theDeadlineEndsTheExchangeAndResetsTheStream() throws {
        let connection = try Connection()
        let (receiver, _) = connection.start("GET", receiver: Receiver(), deadline: .uptimeNanoseconds(1_000_000_000))
        try connection.toServer()
        connection.head(1, 200)
        try connection.toClient()
        connection.client.embeddedEventLoop.advanceTime(by: .seconds(2))
        guard case .failure(let error as HTTP2AnswerError)? = receiver.results.first else { Issue.record("not timed out: \(receiver.results)"); return }
        #expect(error.isTimeout)
        try connection.toServer()
        #expect(connection.serverReads.resets(of: HTTP2StreamID(1)) == [.cancel])
        #expect(connection.session.openStreams == 0)
        connection.finish()
    }

    /// A cancelled exchange resets its stream; what the server sent on it before it read the
    /// reset is dropped, and the connection's other streams go on.
    @Test func aCancelResetsTheStreamAndLeavesTheOthers() throws {
        let connection = try Connection()
        let (cancelled, exchange) = connection.start("GET", receiver: Receiver())
        let other = connection.start("GET")
        try connection.toServer()
        exchange.cancel(with: CancellationError())
        #expect(cancelled.error() is CancellationError)
        // The server answers both before it reads the reset.
        connection.head(1, 200)
        connection.data(1, "late")
        connection.head(3, 200)
        connection.data(3, "on time", endStream: true)
        try connection.toServer()
        #expect(connection.serverReads.resets(of: HTTP2StreamID(1)) == [.cancel])
        try connection.toClient()
        #expect(cancelled.body.isEmpty)
        #expect(cancelled.results.count == 1)
        other.expectEndedWell()
        #expect(String(decoding: other.body, as: UTF8.self) == "on time")
        #expect(connection.client.isActive)
        #expect(connection.session.openStreams == 0)
        connection.finish()
    }

    /// A write swift-nio-http2 refuses for one stream (it reports it wrapped in a `StreamError`)
    /// fails that exchange and resets its stream; the connection and its other streams go on.
    /// (Passed on wrapped, the error closed the connection: `GoAwayWatch` closes for any error
    /// that is not swift-nio-http2's.)
    @Test func aStreamErrorEndsThatStreamOnly() throws {
        let connection = try Connection()
        let failing = connection.start("GET")
        let other = connection.start("GET")
        try connection.toServer()
        connection.client.pipeline.fireErrorCaught(NIOHTTP2Errors.streamError(streamID: HTTP2StreamID(1),
                                                                              baseError: NIOHTTP2Errors.noSuchStream(streamID: HTTP2StreamID(1))))
        connection.client.embeddedEventLoop.run()
        #expect(failing.error() is NIOHTTP2Errors.NoSuchStream)
        #expect(connection.client.isActive, "one stream's error closed the connection")
        try connection.toServer()
        #expect(connection.serverReads.resets(of: HTTP2StreamID(1)) == [.cancel])
        connection.head(3, 200, endStream: true)
        try connection.toClient()
        other.expectEndedWell()
        connection.finish()
    }

    @Test func aCancelBeforeTheStreamOpensEndsItOnceAndOpensNone() throws {
        let connection = try Connection()
        let receiver = Receiver()
        var head = HPACKHeaders()
        head.add(name: ":method", value: "GET")
        let exchange = HTTP2Exchange(headers: head, body: nil, receiver: receiver, deadline: .uptimeNanoseconds(60_000_000_000),
                                     limit: .seconds(60), eventLoop: connection.client.eventLoop)
        exchange.cancel(with: CancellationError())
        #expect(receiver.results.count == 1)
        connection.session.start(exchange)
        try connection.toServer()
        #expect(connection.serverReads.frames.isEmpty, "a cancelled exchange sent its request")
        #expect(receiver.results.count == 1)
        #expect(connection.session.openStreams == 0)
        connection.finish()
    }

    /// The flow-control arithmetic alone: room is given once what the server may still send,
    /// plus what the reader holds, is half the target or less, and then up to the target.
    @Test(arguments: [
        // (reported size, held by the reader, then taken, increment at the report, increment after taking)
        (1 << 20, 0, 0, nil, nil),
        (600 * 1024, 0, 0, nil, nil),
        (400 * 1024, 0, 0, 624 * 1024, nil),
        (400 * 1024, 600 * 1024, 600 * 1024, nil, 624 * 1024),
        (400 * 1024, 600 * 1024, 100 * 1024, nil, nil),
        (-1000, 0, 0, (1 << 20) + 1000, nil),
    ] as [(Int, Int, Int, Int?, Int?)])
    func inboundWindow(size: Int, held: Int, taken: Int, atReport: Int?, afterTaking: Int?) {
        var window = InboundWindow(target: 1 << 20)
        window.delivered(held)
        let first = window.sizeChanged(to: size)
        #expect(first == atReport)
        // Not sent yet: a report that does not count it yet asks for nothing more.
        #expect(window.sizeChanged(to: size) == nil || first == nil)
        if let first { window.incrementDone(first) }
        #expect(window.taken(taken) == afterTaking)
        var closed = InboundWindow(target: 1 << 20)
        closed.closed = true
        #expect(closed.sizeChanged(to: 0) == nil, "room given on a stream whose answer ended")
    }

    /// Errors swift-nio-http2 has dealt with itself (a stream's, a stream refused after GOAWAY)
    /// leave the connection and its other streams alone; a socket's error closes it.
    @Test func onlyErrorsOfTheConnectionItselfCloseIt() throws {
        let channel = EmbeddedChannel(handler: GoAwayWatch())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.pipeline.fireErrorCaught(NIOHTTP2Errors.streamClosed(streamID: HTTP2StreamID(3), errorCode: .cancel))
        channel.pipeline.fireErrorCaught(NIOHTTP2Errors.createdStreamAfterGoaway())
        #expect(channel.isActive, "an error of one stream closed the connection")
        channel.pipeline.fireErrorCaught(IOError(errnoCode: ECONNRESET, reason: "read"))
        #expect(!channel.isActive, "a reset socket left the connection open")
    }

    @Test func aGoAwayStopsNewStreams() throws {
        let watch = GoAwayWatch()
        let channel = EmbeddedChannel(handler: watch)
        #expect(!watch.received)
        try channel.writeInbound(HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: HTTP2StreamID(5), errorCode: .noError, opaqueData: nil)))
        #expect(watch.received)
    }

    /// The credentials are sent so that no HPACK table keeps them.
    @Test func theAuthorizationHeaderIsNeverIndexed() throws {
        let target = try #require(HTTP2Connector.Target(server: "https://api.example:6443", serverName: nil, connectTimeout: .seconds(1)))
        let connector = HTTP2Connector(target: target, tls: try NIOSSLContext(configuration: .makeClientConfiguration()),
                                       eventLoop: EmbeddedEventLoop(), logger: Logger(label: "test"))
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer secret")
        headers.add(name: "Accept", value: "application/json")
        let head = connector.head(method: .GET, pathWithQuery: "/api", headers: headers, bodyLength: nil)
        let fields = Dictionary(uniqueKeysWithValues: head.map { ($0.name, $0.indexable) })
        #expect(fields["authorization"] == .neverIndexed)
        #expect(fields["accept"] == .indexable)
        #expect(head.first(name: ":authority") == "api.example:6443")
    }

    /// A server that closes during the handshake (restarting, say) fails like a lost connection,
    /// which reads retry; a handshake that never ends is a TLS failure.
    @Test func handshakeFailuresMapToTheirKinds() {
        let context = KubernetesError.RequestContext(cluster: "c", server: "https://c", verb: "get")
        #expect((Transport.transportError(HTTP2AnswerError.closedBeforeHandshake, context: context) as? KubernetesError)?.kind == .transport)
        #expect((Transport.transportError(HTTP2AnswerError.handshakeTimedOut, context: context) as? KubernetesError)?.kind == .tls)
        #expect((Transport.transportError(HTTP2AnswerError.timedOut(after: .seconds(1)), context: context) as? KubernetesError)?.kind == .timeout)
    }

    /// A stream that never opened (the connection closed, or GOAWAY came, first) or that the
    /// server refused (REFUSED_STREAM: "no processing has occurred") was not acted on: any
    /// request is sent again, a create included. A stream reset for another reason may have been
    /// acted on: reads and applies are resent, a create is not.
    @Test func requestsTheServerDidNotActOnAreResentWhateverTheVerb() throws {
        let context = KubernetesError.RequestContext(cluster: "c", server: "https://c", verb: "create")
        let policy = RetryPolicy()
        for error in [HTTP2AnswerError.connectionClosed, .reset(.refusedStream)] {
            let mapped = try #require(Transport.transportError(error, context: context) as? KubernetesError)
            #expect(mapped.kind == .unreachable, "\(error)")
            #expect(policy.delay(after: mapped, attempt: 1, request: .write) != nil, "\(error)")
        }
        let reset = try #require(Transport.transportError(HTTP2AnswerError.reset(.internalError), context: context) as? KubernetesError)
        #expect(reset.kind == .transport)
        #expect(policy.delay(after: reset, attempt: 1, request: .write) == nil)
        #expect(policy.delay(after: reset, attempt: 1, request: .read) != nil)
    }
}
