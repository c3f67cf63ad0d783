import Foundation
import Results
import Testing

@Suite struct BMFTests {
    @Test func bmf_matchesGoldenFile() throws {
        let data = try BMF.encode(BMF.document(from: Fixtures.results))
        #expect(try Fixtures.matchesGolden(data, "bmf.json"), "BMF differs from Golden/bmf.json: \(String(decoding: data, as: UTF8.self))")
    }

    @Test func bmf_valueIsMedianAndBoundsAreQuartiles() throws {
        let doc = BMF.document(from: Fixtures.results)
        let m = try #require(doc["user/map/hash/1024/update"]?["latency"])
        #expect(m.value == 1005)  // median of 990, 1000, 1010, 1500
        #expect(m.lowerValue == 997.5)
        #expect(m.upperValue == 1132.5)
    }

    @Test func bmf_leavesOutMeasuresWithoutNumbers() {
        let doc = BMF.document(from: Fixtures.results)
        #expect(doc["user/map/array/1024/delete"] == nil)
        #expect(doc["user/map/lru-hash/1024/lookup"] == nil)
        #expect(doc["kernel/helper/ktime_get_ns"]?.keys.sorted() == ["latency"])
        #expect(doc.count == 3)
    }

    @Test func bmf_hasOnlyTheThreeFields() throws {
        let data = try BMF.encode(BMF.document(from: Fixtures.results))
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("lower_bound") && !text.contains("upper_bound"))
        let top = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: [String: Any]]])
        for (_, measures) in top {
            for (_, fields) in measures {
                #expect(Set(fields.keys).isSubset(of: ["value", "lower_value", "upper_value"]))
            }
        }
    }

    @Test func bmf_roundTripsThroughStrictDecoder() throws {
        let doc = BMF.document(from: Fixtures.results)
        #expect(try BMF.decode(try BMF.encode(doc), path: "x") == doc)
    }

    @Test(arguments: [
        (#"{"a": {"latency": {"value": 1, "lower_bound": 0}}}"#, "lower_bound"),
        (#"{"a": {"latency": {"lower_value": 1}}}"#, "has no value"),
        (#"{"a": {"latency": {"value": "1"}}}"#, "not a BMF document"),
        (#"{"a": {"latency": {"value": true}}}"#, "not a BMF document"),
        (#"{"A B": {"latency": {"value": 1}}}"#, "characters outside"),
        (#"{"a": {"Latency": {"value": 1}}}"#, "characters outside"),
        (#"[1, 2]"#, "not a BMF document"),
        (#"{"a": "#, "not valid JSON"),
    ])
    func bmfDecoder_rejectsWhatBencherWouldNot(input: String, expected: String) {
        #expect {
            _ = try BMF.decode(Data(input.utf8), path: "in.json")
        } throws: { error in
            guard let e = error as? BadInputError else { return false }
            return e.exitStatus == .badInput && e.description.hasPrefix("in.json: ") && e.description.contains(expected)
        }
    }
}
