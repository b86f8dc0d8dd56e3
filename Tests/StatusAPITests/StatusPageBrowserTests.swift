import Foundation
import KubernetesModel
import Synchronization
import TestSupport
import Testing

/// The page in a real browser (Debian's chromium, headless): a user of P signs in with a token,
/// sees P's clusters and phases and none of Q's, and an addon's health changed in LocalKube
/// appears without a reload. A screenshot is left for people reviewing a change.
@Suite struct StatusPageBrowserTests {
    /// Installed, or required (CI installs it and sets ADDON_MANAGER_REQUIRE_CHROMIUM=1).
    static var available: Bool {
        HeadlessChromium.executable != nil || ProcessInfo.processInfo.environment["ADDON_MANAGER_REQUIRE_CHROMIUM"] == "1"
    }

    @Test(.enabled(if: available, "chromium is not installed (apt-get install chromium); .ci/run installs it"))
    func aUserSeesTheirClustersLiveAndNothingOfAnotherProject() async throws {
        try await StatusAPIFixture.with { f in
            let browser = try await HeadlessChromium.launch()
            defer { browser.close() }
            try await browser.navigate(f.baseURL + "/")
            #expect(try await browser.evaluate("document.getElementById('sign-in') !== null") == true)

            // Sign in as P's user: the token goes into the form, the script keeps it in memory.
            _ = try await browser.evaluate("""
                window.notReloaded = true;
                document.getElementById('token').value = \(JSONValue.string(f.token("p")).jsonString());
                document.getElementById('sign-in').requestSubmit(); true
                """)
            let addons = "JSON.stringify([...document.querySelectorAll('li.addon')].map(e => e.closest('tr').dataset.cluster + ' ' + e.dataset.addon + ' ' + e.dataset.phase))"
            try await eventuallyInPage(browser, "P's clusters on the page", addons) { $0.contains("project-p/p-alpha logging Failed") && $0.contains("project-p/p-beta ingress Healthy") }
            try await eventuallyInPage(browser, "the page live", "document.getElementById('live').textContent") { $0 == "live" }
            let text = try await browser.evaluate("document.body.innerText").stringValue ?? ""
            #expect(text.contains("logging is failed"), "the page does not say why logging failed: \(text)")
            #expect(!text.contains("q-secretive") && !text.contains(StatusAPIFixture.projectQ), "the page shows project Q: \(text)")
            #expect(try await browser.evaluate("document.cookie") == "", "the token went into a cookie")
            #expect(try await browser.evaluate("sessionStorage.length + localStorage.length") == 0, "the token went into storage")

            // The addon recovers in LocalKube: the page follows without a reload.
            try await StatusAPIFixture.setAddon(f.fleet.management, project: StatusAPIFixture.projectP, cluster: "p-alpha", addon: "logging", version: "2.0.0", phase: "Healthy")
            try await eventuallyInPage(browser, "logging Healthy on the page", addons) { $0.contains("project-p/p-alpha logging Healthy") }
            #expect(try await browser.evaluate("window.notReloaded === true") == true, "the page was reloaded")

            let shot = Self.screenshotDirectory.appendingPathComponent("status-page.png")
            try await browser.screenshot(to: shot)
            print("status page screenshot: \(shot.path)")
        }
    }

    /// Where screenshots go: $ADDON_MANAGER_SCREENSHOTS, else the system's temporary directory.
    static var screenshotDirectory: URL {
        let path = ProcessInfo.processInfo.environment["ADDON_MANAGER_SCREENSHOTS"] ?? FileManager.default.temporaryDirectory.path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return URL(fileURLWithPath: path)
    }

    func eventuallyInPage(_ browser: HeadlessChromium, _ what: String, _ expression: String, _ matches: (String) -> Bool) async throws {
        let last = Mutex("")
        do {
            try await eventually(what, timeout: .seconds(30)) {
                let shown = try await browser.evaluate(expression).stringValue ?? ""
                last.withLock { $0 = shown }
                return matches(shown)
            }
        } catch {
            Issue.record("timed out waiting for \(what); the page showed: \(last.withLock { $0 })")
            throw error
        }
    }
}
