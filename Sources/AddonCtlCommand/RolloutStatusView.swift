import AddonController
import Foundation
import KubernetesModel

/// The rollouts as `addonctl rollout status` prints them: one line per rollout, and with
/// `detailed` its waves (clusters, updated, failed, soak left) and the failures that stopped it.
enum RolloutStatusView {
    static func render(_ rollouts: [AddonRollout], detailed: Bool, now: Date) -> String {
        var rows = [["CHANNEL", "ADDON", "FROM", "TO", "PHASE", "WAVE", "UPDATED", "FAILED", "MESSAGE"]]
        for r in rollouts {
            let s = r.recordedStatus
            let clusters = s["clusters"].intValue ?? 0
            rows.append([r.channel, r.addon, r.from?.description ?? "-", r.to.description, r.phase.rawValue,
                         r.phase == .completed ? "-" : (s["wave"].stringValue ?? "-"),
                         "\(s["updated"].intValue ?? 0)/\(clusters)", "\(s["failed"].intValue ?? 0)", message(r, now: now)])
        }
        var text = table(rows)
        guard detailed else { return text }
        for r in rollouts {
            let s = r.recordedStatus
            text += "\n\(r.objectName): \(r.addon) \(r.from.map { "\($0) → " } ?? "")\(r.to) on channel \(r.channel), \(r.phase.rawValue)"
            if r.paused { text += " (spec.paused)" }
            text += "\n"
            var waveRows = [["  WAVE", "CLUSTERS", "ADMITTED", "UPDATED", "FAILED", "STATE"]]
            for (index, wave) in (s["waves"].arrayValue ?? []).enumerated() {
                let state: String
                if r.phase == .completed || index < r.waveIndex {
                    state = "done"
                } else if index == r.waveIndex {
                    state = soakLeft(r, now: now).map { "soaking, \($0) s left" } ?? (r.phase == .progressing ? "updating" : r.phase.rawValue.lowercased())
                } else {
                    state = "waiting"
                }
                waveRows.append(["  " + (wave["name"].stringValue ?? "?"), "\(wave["clusters"].intValue ?? 0)", "\(wave["admitted"].intValue ?? 0)",
                                 "\(wave["updated"].intValue ?? 0)", "\(wave["failed"].intValue ?? 0)", state])
            }
            text += table(waveRows)
            let failures = r.failures.isEmpty ? r.admissions.filter { $0.state == .failed } : r.failures
            if !failures.isEmpty {
                text += "  failures:\n"
                for f in failures { text += "    \(f.cluster)  \(f.reason ?? "Failed")  \(f.message ?? "")\n" }
            }
            if r.phase == .rolledBack, let restored = s["restored"].intValue {
                text += "  restored: \(restored) of \(r.admissions.count) clusters back on the version they ran before\n"
            }
        }
        return text
    }

    static func soakLeft(_ r: AddonRollout, now: Date) -> Int? {
        guard let until = r.recordedStatus["soakUntil"].stringValue.flatMap(KubeTime.parse), r.phase == .progressing else { return nil }
        return max(0, Int(until.timeIntervalSince(now).rounded(.up)))
    }

    static func message(_ r: AddonRollout, now: Date) -> String {
        if let left = soakLeft(r, now: now) { return "wave \(r.recordedStatus["wave"].stringValue ?? "?") soaking, \(left) s left" }
        return r.message
    }

    static func table(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
