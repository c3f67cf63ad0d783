import ArgumentParser
import Foundation
import Results
import Suites

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the benchmarks a run would produce.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var selection: SelectionOptions

    @Flag(help: "Print JSON: [{suite, benchmark, measure, unit, direction}].")
    var json = false

    func run() throws {
        global.apply()
        let request = try selection.request(config: try configOptions.load())
        let plan = try Catalog.plan(request)
        if plan.isEmpty { throw ValidationError("no benchmark matches --filter '\(selection.filter ?? "")'") }
        if json {
            let rows = plan.map { ["suite": $0.suite, "benchmark": $0.name, "measure": $0.measure.slug,
                                   "unit": $0.measure.unit, "direction": $0.measure.direction.rawValue] }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            for p in plan { print("\(p.name)  \(p.measure.slug) (\(p.measure.unit), \(p.measure.direction.rawValue))") }
            if request.suites.contains(ObjectSuite.name) && !request.objectSuite.isEmpty {
                print("\nYour programs:")
                for (name, how) in try request.objectSuite.describe() where request.includes(name) { print("  \(name): \(how)") }
            }
        }
    }
}
