import Foundation
import Glibc

/// A directory for one test's files, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "kubernetes-client-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String, executable: Bool = false) throws -> String {
        let file = path + "/" + name
        let directory = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if executable {
            try Self.writeExecutable(file, text)
        } else {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        }
        return file
    }

    /// Written through a close-on-exec descriptor: tests run in parallel, and a child another
    /// test starts while this file is open for writing would inherit the descriptor and keep it
    /// for its whole life; running the file then fails with "text file busy" (ETXTBSY), which
    /// Foundation reports as NSCocoaErrorDomain 256 (a test failed that way once).
    private static func writeExecutable(_ file: String, _ text: String) throws {
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        _ = fchmod(fd, 0o755)
    }
}
