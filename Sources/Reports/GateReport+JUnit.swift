import Foundation
import Gate
import Results

extension GateReport {
    /// JUnit XML: one testcase per benchmark x measure; a regression or a failed benchmark is a failure with
    /// the numbers in its message; needs-data and not-comparable are skipped with the reason.
    public func junit() -> String {
        let failures = findings.filter { $0.verdict == .regression || $0.verdict == .failed }.count
        let skipped = findings.filter { $0.verdict == .needsData || $0.verdict == .notComparable }.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"bpfgate\" tests=\"\(findings.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">\n"
        out += "  <testsuite name=\"\(xml("bpfgate \(mode.rawValue) \(testbed)"))\" tests=\"\(findings.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">\n"
        for f in findings {
            let message = "\(f.verdict.rawValue): \(f.benchmark) \(f.measure) base \(f.base.map { value($0, f.unit) } ?? "-") head \(f.head.map { value($0, f.unit) } ?? "-") change \(change(f)) p \(f.adjustedP.map(pValue) ?? "-") n \(observations(f)) mde \(f.minimumDetectableEffect.map(Comparison.percent) ?? "-"); \(f.note)"
            out += "    <testcase classname=\"\(xml(f.benchmark))\" name=\"\(xml(f.measure))\""
            switch f.verdict {
            case .regression, .failed:
                out += ">\n      <failure type=\"\(f.verdict.rawValue)\" message=\"\(xml(message))\"/>\n    </testcase>\n"
            case .needsData, .notComparable:
                out += ">\n      <skipped message=\"\(xml(message))\"/>\n    </testcase>\n"
            default:
                out += ">\n      <system-out>\(xml(message))</system-out>\n    </testcase>\n"
            }
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }
}

func xml(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
