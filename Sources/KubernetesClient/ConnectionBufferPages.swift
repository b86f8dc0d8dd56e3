@_spi(CustomByteBufferAllocator) import NIOCore

#if canImport(Glibc)
import CSystemMemory
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The allocator of a connection's byte buffers (`ChannelOptions.allocator` on the client's own
/// HTTP/2 connections): a buffer of 16 KB or more gets pages of its own (`mmap`), which are
/// resident only where written and go back to the system when the buffer is freed; smaller ones
/// come from malloc as before.
///
/// Why: the manager keeps a connection open to every cluster it serves, for hours, and on each
/// one SwiftNIO's TLS handler keeps a 32 KB buffer for what it decrypts and a 16 KB one for what it
/// encrypts, and the HTTP/2 parser a buffer that grew to the largest piece it had to hold. A
/// connection that carries watch events of a few hundred bytes writes only the first pages of
/// them. In malloc's heap a block's pages are resident whether this block wrote them or not
/// (what used them before did), and glibc serves blocks under 128 KB from the heap whenever it has
/// room. Measured in `Benchmarks/README.md`, "2026-12-07 (late morning)".
///
/// Every block carries a 16-byte header in front of what the buffer sees: how many bytes were
/// mapped for it, or 0 for a block from malloc. So freeing and growing a block need nothing but
/// its address, as SwiftNIO calls them. A block that grows or shrinks across the threshold moves
/// to where its new size belongs. A mapped block that grows moves its pages (`mremap`), so the
/// pages it never wrote stay not resident; a copy SwiftNIO makes itself (copy on write, a slice
/// moved out) writes every byte it copies. Mappings are never backed by transparent huge pages,
/// which would make 2 MB resident for one written page. A failed `mmap` falls back to malloc.
enum ConnectionBufferPages {
    /// The smallest block given pages of its own.
    static let threshold = 16 * 1024

    /// What `ChannelOptions.allocator` gets.
    static let allocator = ByteBufferAllocator(
        allocate: { size in ConnectionBufferPages.allocate(size) },
        reallocate: { pointer, oldSize, newSize in ConnectionBufferPages.reallocate(pointer, oldSize: oldSize, newSize: newSize) },
        deallocate: { pointer in ConnectionBufferPages.deallocate(pointer) },
        copy: { destination, source, count in destination.copyMemory(from: source, byteCount: count) }
    )

    /// Whether the block at `pointer` (from `allocator`) has pages of its own: how many bytes were
    /// mapped for it (header included), 0 for a block from malloc.
    static func mappedLength(of pointer: UnsafeMutableRawPointer) -> Int {
        header(of: pointer).load(as: Int.self)
    }

    /// The header's size: 16 keeps what follows aligned as malloc's blocks are.
    static let headerLength = 16
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    private static func header(of pointer: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer {
        pointer - headerLength
    }

    static func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        if size >= threshold, let mapped = map(size) { return mapped }
        guard let block = malloc(size + headerLength) else { return nil }
        block.storeBytes(of: 0, as: Int.self)
        return block + headerLength
    }

    static func deallocate(_ pointer: UnsafeMutableRawPointer) {
        let mapped = mappedLength(of: pointer)
        if mapped > 0 {
            munmap(header(of: pointer), mapped)
        } else {
            free(header(of: pointer))
        }
    }

    static func reallocate(_ pointer: UnsafeMutableRawPointer?, oldSize: Int, newSize: Int) -> UnsafeMutableRawPointer? {
        guard let pointer else { return allocate(newSize) }
        let start = header(of: pointer)
        let mapped = mappedLength(of: pointer)
        if mapped == 0 && newSize < threshold {
            guard let block = realloc(start, newSize + headerLength) else { return nil }
            return block + headerLength
        }
        if mapped > 0 && newSize >= threshold {
            let length = mappedLength(for: newSize)
            if length == mapped { return pointer }
            #if canImport(Glibc)
            if let moved = system_memory_resize_mapping(start, mapped, length), moved != failedMapping {
                moved.storeBytes(of: length, as: Int.self)
                return moved + headerLength
            }
            #endif
        }
        guard let moved = allocate(newSize) else { return nil }
        moved.copyMemory(from: pointer, byteCount: min(oldSize, newSize))
        deallocate(pointer)
        return moved
    }

    /// `MAP_FAILED`.
    private static var failedMapping: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: -1) }

    private static func mappedLength(for size: Int) -> Int {
        (size + headerLength + pageSize - 1) / pageSize * pageSize
    }

    private static func map(_ size: Int) -> UnsafeMutableRawPointer? {
        let length = mappedLength(for: size)
        guard let start = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              start != failedMapping else { return nil }
        #if canImport(Glibc)
        _ = system_memory_no_huge_pages(start, length)
        #endif
        start.storeBytes(of: length, as: Int.self)
        return start + headerLength
    }
}
