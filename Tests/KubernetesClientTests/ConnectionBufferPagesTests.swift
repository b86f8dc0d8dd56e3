import NIOCore
import Testing
@testable import KubernetesClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The allocator of a connection's buffers: large blocks on pages of their own, resident only
/// where written; every block freed and grown by its address alone (every client test over
/// HTTP/2 runs its connections on it too).
@Suite struct ConnectionBufferPagesTests {
    static let page = Int(sysconf(Int32(_SC_PAGESIZE)))

    @Test func aSmallBlockComesFromMallocAndALargeOneHasPagesOfItsOwn() throws {
        let small = try #require(ConnectionBufferPages.allocate(4096))
        defer { ConnectionBufferPages.deallocate(small) }
        #expect(ConnectionBufferPages.mappedLength(of: small) == 0)

        let large = try #require(ConnectionBufferPages.allocate(32 * 1024))
        defer { ConnectionBufferPages.deallocate(large) }
        // 32 KB and the 16-byte header, in whole pages.
        #expect(ConnectionBufferPages.mappedLength(of: large) == (32 * 1024 / Self.page + 1) * Self.page)
        #expect(Int(bitPattern: large) % 16 == 0)
    }

    #if os(Linux)
    static func residentPages(of block: UnsafeMutableRawPointer) -> Int {
        let length = ConnectionBufferPages.mappedLength(of: block)
        var resident = [UInt8](repeating: 0, count: length / page)
        #expect(mincore(block - ConnectionBufferPages.headerLength, length, &resident) == 0)
        return resident.filter { $0 & 1 == 1 }.count
    }

    /// The point of it: of a 32 KB buffer that a few hundred bytes were written to, only the first
    /// page is resident (`mincore`), not all of them (eight, with 4 KB pages) — and still after
    /// it grew to 256 KB, its pages moved, not copied.
    @Test func onlyTheWrittenPagesOfALargeBlockAreResident() throws {
        var block = try #require(ConnectionBufferPages.allocate(32 * 1024))
        block.initializeMemory(as: UInt8.self, repeating: 7, count: 300)
        #expect(Self.residentPages(of: block) == 1)

        block = try #require(ConnectionBufferPages.reallocate(block, oldSize: 32 * 1024, newSize: 256 * 1024))
        defer { ConnectionBufferPages.deallocate(block) }
        #expect(Self.residentPages(of: block) == 1)
        #expect(block.load(fromByteOffset: 299, as: UInt8.self) == 7)
    }
    #endif

    @Test func growingKeepsTheContentAcrossTheThreshold() throws {
        var block = try #require(ConnectionBufferPages.allocate(1000))
        for index in 0..<1000 { block.storeBytes(of: UInt8(index % 251), toByteOffset: index, as: UInt8.self) }

        // Within malloc, then onto pages of its own, then to more pages.
        for (old, new) in [(1000, 8000), (8000, 40_000), (40_000, 200_000)] {
            block = try #require(ConnectionBufferPages.reallocate(block, oldSize: old, newSize: new))
            #expect((ConnectionBufferPages.mappedLength(of: block) > 0) == (new >= ConnectionBufferPages.threshold))
            for index in 0..<1000 { #expect(block.load(fromByteOffset: index, as: UInt8.self) == UInt8(index % 251)) }
        }
        // Within the pages it has: the same block.
        let same = try #require(ConnectionBufferPages.reallocate(block, oldSize: 200_000, newSize: 200_001))
        #expect(same == block)
        // Under the threshold again: back to malloc, content kept.
        block = try #require(ConnectionBufferPages.reallocate(same, oldSize: 200_001, newSize: 500))
        #expect(ConnectionBufferPages.mappedLength(of: block) == 0)
        for index in 0..<500 { #expect(block.load(fromByteOffset: index, as: UInt8.self) == UInt8(index % 251)) }
        ConnectionBufferPages.deallocate(block)

        let fromNothing = try #require(ConnectionBufferPages.reallocate(nil, oldSize: 0, newSize: 20_000))
        #expect(ConnectionBufferPages.mappedLength(of: fromNothing) > 0)
        ConnectionBufferPages.deallocate(fromNothing)
    }

    /// ByteBuffers on it behave as on SwiftNIO's own: growth, slices, copy on write.
    @Test func byteBuffersOnItKeepWhatIsWritten() {
        var buffer = ConnectionBufferPages.allocator.buffer(capacity: 2 * 16 * 1024)
        let text = String(repeating: "0123456789abcdef", count: 10_000)  // 160 000 bytes: grows four times
        buffer.writeString(text)
        #expect(buffer.getString(at: 0, length: buffer.readableBytes) == text)

        let slice = buffer.getSlice(at: 16, length: 32)!
        var copy = buffer
        copy.setString("ZZ", at: 0)  // copy on write: the original is untouched
        #expect(buffer.getString(at: 0, length: 2) == "01")
        #expect(copy.getString(at: 0, length: 2) == "ZZ")
        #expect(String(buffer: slice) == "0123456789abcdef0123456789abcdef")

        var small = ConnectionBufferPages.allocator.buffer(capacity: 1)  // (0 would be SwiftNIO's own empty buffer)
        small.writeString("hello")
        #expect(String(buffer: small) == "hello")
    }
}
