import Testing
@testable import KubernetesModel

@Suite struct KeptJSONTests {
    /// What a cluster's cache keeps of a Deployment (`ObservedObject`), as a workload cluster
    /// answers it.
    static let deployment: JSONValue = [
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": [
            "name": "ingress-nginx-controller", "namespace": "ingress-nginx", "uid": "5f95e1b6-4994-4019-bc81-3cc22024ffad",
            "generation": 3, "creationTimestamp": "2026-12-07T19:28:30Z", "resourceVersion": "48213",
            "labels": ["addons.addon-manager.io/name": "ingress-nginx"],
        ],
        "spec": ["replicas": 2],
        "status": [
            "availableReplicas": 2, "observedGeneration": 3, "readyReplicas": 2, "replicas": 2, "updatedReplicas": 2,
            "conditions": [
                ["lastTransitionTime": "2026-12-07T19:28:30Z", "lastUpdateTime": "2026-12-07T19:28:30Z",
                 "message": "Deployment has minimum availability.", "reason": "MinimumReplicasAvailable", "status": "True", "type": "Available"],
                ["lastTransitionTime": "2026-12-07T19:28:30Z", "lastUpdateTime": "2026-12-07T19:29:02Z",
                 "message": "ReplicaSet \"ingress-nginx-controller-215bcf32a5\" has successfully progressed.",
                 "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"],
            ],
        ],
    ]

    @Test func aKeptObjectReadsBackAsItWas() throws {
        let kept = KeptJSON(Self.deployment)
        #expect(kept.text == Self.deployment.serialized())
        #expect(try kept.parsed() == Self.deployment)
        #expect(kept.textCount == Self.deployment.serialized().count)
    }

    /// The point of it: a cached object's text, deflated against the dictionary, takes a fraction
    /// of its size (deflated alone, a text of a few hundred bytes hardly shrinks).
    @Test func aCachedObjectIsKeptInAFractionOfItsText() {
        let kept = KeptJSON(Self.deployment)
        #expect(kept.isDeflated)
        #expect(kept.keptCount * 3 < kept.textCount, "\(kept.keptCount) of \(kept.textCount) bytes")
    }

    /// Texts too short to be worth deflating are kept as they are, and read back alike.
    @Test(arguments: ["{}", "{\"kind\":\"ConfigMap\"}"])
    func shortTextsAreKeptAsTheyAre(_ text: String) throws {
        let kept = KeptJSON(text: Array(text.utf8))
        #expect(!kept.isDeflated)
        #expect(kept.keptCount == kept.textCount)
        #expect(kept.text == Array(text.utf8))
        #expect(try kept.parsed() == JSONValue.parse(text))
    }

    /// A text long enough to deflate that would not be smaller deflated (a string of 100
    /// characters in which no run of three repeats, nor is in the dictionary: 104 bytes
    /// deflated) is kept as it is.
    @Test func aTextThatWouldNotShrinkIsKeptAsItIs() throws {
        let alphabet = (33..<127).map { Character(UnicodeScalar(UInt8($0))) }.filter { $0 != "\"" && $0 != "\\" }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var characters = ""
        for _ in 0..<100 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            characters.append(alphabet[Int(state >> 33) % alphabet.count])
        }
        let text = "\"" + characters + "\""
        let kept = KeptJSON(text: Array(text.utf8))
        #expect(!kept.isDeflated)
        #expect(kept.keptCount == 102)
        #expect(kept.text == Array(text.utf8))
        #expect(try kept.parsed() == .string(characters))
    }

    /// Values of every shape and size, across the point where texts start being deflated and
    /// beyond the window, read back exactly: escapes, non-ASCII, numbers, nesting.
    @Test func valuesOfEveryShapeAndSizeReadBack() throws {
        for size in [0, 1, 5, 20, 63, 64, 65, 200, 1000, 5000, 20_000] {
            var items: [JSONValue] = []
            for i in 0..<size / 20 + 1 {
                let list: [JSONValue] = (0..<(i % 5)).map { JSONValue.int(Int64($0)) }
                var item: [String: JSONValue] = ["name": .string("item-\(i)-é-\u{1F600}-\"quoted\"\\")]
                item["n"] = .int(Int64(i * 7919 % 1013))
                item["x"] = .double(Double(i) + 0.125)
                item["on"] = .bool(i % 2 == 0)
                item["none"] = .null
                item["list"] = .array(list)
                items.append(.object(item))
            }
            let value: JSONValue = ["size": .int(Int64(size)), "items": .array(items)]
            let kept = KeptJSON(value)
            #expect(try kept.parsed() == value, "size \(size)")
            #expect(kept.text == value.serialized(), "size \(size)")
        }
    }

    /// A table of kept texts compares them as kept: equal texts are equal, whatever their path
    /// to being kept; different ones are not.
    @Test func equalTextsAreKeptAsEqualBytes() {
        var other = Self.deployment
        other["metadata"]["resourceVersion"] = "48214"
        #expect(KeptJSON(Self.deployment) == KeptJSON(text: Self.deployment.serialized()))
        #expect(KeptJSON(Self.deployment).hashValue == KeptJSON(text: Self.deployment.serialized()).hashValue)
        #expect(KeptJSON(Self.deployment) != KeptJSON(other))
    }

    /// Every text is deflated from a copy of one primed stream, from any thread: texts kept at
    /// once on many threads are each what one kept alone is.
    @Test func textsKeptAtOnceOnManyThreadsAreKeptAlike() async throws {
        let values: [JSONValue] = (0..<64).map { i in
            var value = Self.deployment
            value["metadata"]["name"] = .string("controller-\(i)")
            value["status"]["readyReplicas"] = .int(Int64(i % 3))
            return value
        }
        let alone = values.map { KeptJSON($0) }
        let together = await withTaskGroup(of: (Int, KeptJSON).self) { group in
            for _ in 0..<8 {
                for (index, value) in values.enumerated() { group.addTask { (index, KeptJSON(value)) } }
            }
            var kept: [(Int, KeptJSON)] = []
            for await result in group { kept.append(result) }
            return kept
        }
        #expect(together.count == 8 * values.count)
        for (index, kept) in together {
            #expect(kept == alone[index])
            #expect(try kept.parsed() == values[index])
        }
    }

    /// zlib uses of a preset dictionary at most the window less 262 bytes: what is beyond that
    /// (at its start) would be dead weight.
    @Test func theDictionaryFitsTheWindow() {
        #expect(KeptJSONDictionary.bytes.count <= 4096 - 262)
        #expect(KeptJSONDictionary.bytes.count > 3000, "most of the window is used")
    }
}
