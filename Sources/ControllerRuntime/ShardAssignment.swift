/// Which shard a key (a cluster) belongs to, and how many shards one of N live replicas should
/// hold: pure functions, so the split is the same on every replica.
public enum ShardAssignment {
    /// FNV-1a of the key, modulo the shard count: stable across processes and versions.
    public static func shard(of key: String, shards: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(max(1, shards)))
    }

    /// The most shards one replica should hold so that `replicas` live replicas cover `shards`.
    public static func fairShare(shards: Int, replicas: Int) -> Int {
        let r = max(1, replicas)
        return (shards + r - 1) / r
    }
}
