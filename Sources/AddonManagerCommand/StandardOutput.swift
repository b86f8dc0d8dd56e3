import Foundation

/// Writes a line to standard output at once. `print` goes through C's `stdout`, which is
/// block-buffered when it is not a terminal: a script, a container log or `| tee` would see the
/// kubeconfig paths and the progress of `dev` and `localkube` only when the process exits.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
