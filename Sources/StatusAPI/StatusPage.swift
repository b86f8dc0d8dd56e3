import Foundation

/// The status page: server-rendered HTML that reads well without JavaScript, and a small script
/// (no framework, nothing fetched from elsewhere) that keeps it live. Sign-in is a pasted token,
/// kept in the tab's memory only (never in storage or a cookie).
public enum StatusPage {
    public struct Viewer: Sendable {
        public var username: String
        public var isOperator: Bool
        public var projects: Set<String>
    }

    public static func signIn(message: String?) -> String {
        document(title: "addon-manager", body: """
            <main id="content">
            <h1>addon-manager</h1>
            <p>See which addons your clusters run, at which version, and whether they are healthy.</p>
            \(message.map { "<p class=\"error\" role=\"alert\">\(escape($0))</p>" } ?? "")
            <form id="sign-in" method="post" action="/">
            <label for="token">Token</label>
            <input id="token" name="token" type="password" autocomplete="off" required>
            <button type="submit">Sign in</button>
            </form>
            <p class="hint">The token stays in this tab only. Without JavaScript the page shows what is true now; with it, it updates live.</p>
            </main>
            """)
    }

    public static func dashboard(snapshot: FleetStatusStore.Snapshot, scope viewer: Viewer) -> String {
        var html = "<main id=\"content\" data-user=\"\(escape(viewer.username))\">\n"
        html += "<header><h1>addon-manager</h1><p>Signed in as <strong>\(escape(viewer.username))</strong>\(viewer.isOperator ? " (operator)" : "")"
        html += " · <span id=\"live\" class=\"live\">not live</span></p></header>\n"
        let projects = viewer.projects.sorted().filter { snapshot.projects[$0] != nil }
        if projects.isEmpty { html += "<p>You may see no project with clusters.</p>\n" }
        for project in projects {
            let state = snapshot.projects[project]!
            html += "<section class=\"project\" data-project=\"\(escape(project))\">\n<h2>Project \(escape(project))</h2>\n"
            html += "<table><thead><tr><th>Cluster</th><th>Channel</th><th>Addons</th></tr></thead><tbody>\n"
            for name in state.clusters.keys.sorted() {
                let cluster = state.clusters[name]!
                let addons = (state.addons[name] ?? [:]).values.sorted { $0.addon < $1.addon }
                let healthy = addons.filter { $0.phase == "Healthy" }.count
                html += "<tr class=\"cluster\" data-cluster=\"\(escape(project))/\(escape(name))\">"
                html += "<td><strong>\(escape(name))</strong><br><small>\(healthy) of \(addons.count) healthy</small>"
                if cluster.paused {
                    html += "<br><small class=\"paused\">paused: its addons are left as they are</small>"
                } else if cluster.latestSpecReconciled == false {
                    html += "<br><small class=\"reconciling\">applying the latest change to the cluster's spec</small>"
                }
                for pool in cluster.nodePools {
                    html += "<br><small class=\"pool\">pool \(escape(pool["name"].stringValue ?? "")): \(pool["ready"].intValue ?? 0) of \(pool["replicas"].intValue ?? 0) nodes ready"
                    if let unhealthy = pool["unhealthy"].intValue, unhealthy > 0 { html += ", \(unhealthy) unhealthy" }
                    html += "</small>"
                }
                html += "</td>"
                html += "<td>\(escape(cluster.channel ?? "—"))</td><td><ul class=\"addons\">"
                for addon in addons {
                    html += "<li class=\"addon phase-\(escape(addon.phase.lowercased()))\" data-addon=\"\(escape(addon.addon))\" data-phase=\"\(escape(addon.phase))\">"
                    html += "<span class=\"name\">\(escape(addon.addon))</span> <span class=\"version\">\(escape(addon.version ?? "—"))</span> "
                    html += "<span class=\"phase\">\(escape(addon.phase))</span>"
                    if let why = addon.why {
                        html += "<span class=\"why\">\(escape([why.reason, why.message].compactMap { $0 }.joined(separator: ": ")))</span>"
                    }
                    html += "</li>"
                }
                html += "</ul></td></tr>\n"
            }
            html += "</tbody></table>\n</section>\n"
        }
        html += fleet(snapshot: snapshot, projects: projects)
        html += rollouts(snapshot: snapshot, viewer: viewer)
        html += "</main>\n"
        return document(title: "addon-manager — \(viewer.username)", body: html)
    }

    static func fleet(snapshot: FleetStatusStore.Snapshot, projects: [String]) -> String {
        let table = StatusViews.fleet(snapshot, projects: projects)["addons"].arrayValue ?? []
        guard !table.isEmpty else { return "" }
        var html = "<section class=\"fleet\"><h2>Addon versions</h2><table><thead><tr><th>Addon</th><th>Version</th><th>Clusters</th><th>Phases</th></tr></thead><tbody>\n"
        for addon in table {
            for version in addon["versions"].arrayValue ?? [] {
                let phases = (version["phases"].objectValue ?? [:]).sorted { $0.key < $1.key }
                    .map { "<span class=\"phase-\(escape($0.key.lowercased()))\">\(escape($0.key)) \($0.value.intValue ?? 0)</span>" }.joined(separator: " ")
                html += "<tr><td>\(escape(addon["addon"].stringValue ?? ""))</td><td>\(escape(version["version"].stringValue ?? ""))</td>"
                html += "<td>\(version["clusters"].intValue ?? 0)</td><td>\(phases)</td></tr>\n"
            }
        }
        return html + "</tbody></table></section>\n"
    }

    static func rollouts(snapshot: FleetStatusStore.Snapshot, viewer: Viewer) -> String {
        let active = snapshot.rollouts.values.filter { $0.phase != "Completed" }.sorted { $0.name < $1.name }
        guard !active.isEmpty else { return "" }
        var html = "<section class=\"rollouts\"><h2>Rollouts</h2><ul>\n"
        for record in active {
            let view = StatusViews.rollout(record, visibleProjects: viewer.projects, isOperator: viewer.isOperator)
            let mine = view["admissions"].arrayValue ?? []
            html += "<li class=\"rollout\" data-rollout=\"\(escape(record.name))\"><strong>\(escape(record.addon))</strong> "
            html += "\(escape(record.from ?? "—")) → \(escape(record.to)) on \(escape(record.channel)): \(escape(record.phase))"
            if let wave = record.wave { html += ", wave \(escape(wave))" }
            html += "; your clusters moved: \(mine.count)</li>\n"
        }
        return html + "</ul></section>\n"
    }

    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <link rel="stylesheet" href="/ui/style.css">
        <script src="/ui/app.js" defer></script>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// One value of an `application/x-www-form-urlencoded` body.
    static func formValue(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    public static let style = """
        body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #1d2330; }
        table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
        th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #dde1e8; vertical-align: top; }
        ul.addons { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem; }
        li.addon { border-radius: .3rem; padding: .2rem .5rem; border: 1px solid; }
        li.addon .why { display: block; font-size: .85em; }
        .phase-healthy { background: #e3f5e6; border-color: #2f8a3e; }
        .phase-progressing, .phase-pending { background: #e6eefb; border-color: #3b63b8; }
        .phase-degraded { background: #fff3d6; border-color: #b07d10; }
        .phase-failed { background: #fbe3e3; border-color: #b3261e; }
        .phase-unknown { background: #eeeeee; border-color: #777777; }
        .error { color: #b3261e; }
        .live { font-size: .85em; color: #777777; }
        .live.on { color: #2f8a3e; }

        """

    /// Signs in without leaving the page, keeps the token in a variable, follows each shown
    /// project's change stream (fetch with the token: EventSource cannot send it) and redraws the
    /// page from the server when something changes.
    public static let script = """
        "use strict";
        (() => {
          let token = null;
          let streams = [];
          let redraw = null;

          async function render() {
            const response = await fetch("/", { method: "POST", body: new URLSearchParams({ token }) });
            const page = new DOMParser().parseFromString(await response.text(), "text/html");
            const next = page.getElementById("content");
            if (next) document.getElementById("content").replaceWith(next);
            if (!response.ok) { token = null; stopStreams(); bindSignIn(); return false; }
            setLive(streams.length > 0);
            return true;
          }

          function scheduleRender() {
            if (redraw) return;
            redraw = setTimeout(async () => { redraw = null; if (token) await render(); }, 200);
          }

          function setLive(on) {
            const live = document.getElementById("live");
            if (live) { live.textContent = on ? "live" : "not live"; live.classList.toggle("on", on); }
          }

          function stopStreams() { for (const s of streams) s.abort(); streams = []; }

          function follow(project) {
            const controller = new AbortController();
            streams.push(controller);
            (async () => {
              while (token && !controller.signal.aborted) {
                try {
                  const response = await fetch("/api/v1/projects/" + encodeURIComponent(project) + "/watch",
                    { headers: { Authorization: "Bearer " + token }, signal: controller.signal });
                  if (!response.ok) break;
                  setLive(true);
                  const reader = response.body.getReader();
                  const decoder = new TextDecoder();
                  let buffer = "";
                  for (;;) {
                    const { value, done } = await reader.read();
                    if (done) break;
                    buffer += decoder.decode(value, { stream: true });
                    let end;
                    while ((end = buffer.indexOf("\\n\\n")) >= 0) {
                      const message = buffer.slice(0, end);
                      buffer = buffer.slice(end + 2);
                      if (message.split("\\n").includes("event: change")) scheduleRender();
                    }
                  }
                } catch (error) {
                  if (controller.signal.aborted) return;
                }
                setLive(false);
                await new Promise((resolve) => setTimeout(resolve, 2000));
              }
            })();
          }

          function bindSignIn() {
            const form = document.getElementById("sign-in");
            if (!form) return;
            form.addEventListener("submit", async (event) => {
              event.preventDefault();
              const input = document.getElementById("token");
              token = input.value.trim();
              input.value = "";
              if (await render()) {
                for (const section of document.querySelectorAll("section.project")) follow(section.dataset.project);
              }
            });
          }

          bindSignIn();
        })();

        """
}
