import ArgumentParser
import BPF
import Foundation
import Results
import Suites
import Tracking

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Say what this kernel and machine offer, and why something is missing, from live probes.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON: [{area, item, state, detail}].")
    var json = false

    func run() throws {
        global.apply()
        let findings = Doctor.run(libcurl: CurlTransport.version)
        if json {
            FileHandle.standardOutput.write(try StableJSON.encode(findings))
        } else {
            let width = findings.map(\.item.count).max() ?? 0
            var area = ""
            for f in findings {
                if f.area != area { print("\n\(f.area)"); area = f.area }
                print("  \(f.item.padding(toLength: width, withPad: " ", startingAt: 0))  \(f.state.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0))  \(f.detail)")
            }
        }
        // Without CAP_BPF (or CAP_SYS_ADMIN) nothing can be probed: say so with the privilege code.
        if !Privileges.current().missing(for: .createMaps).isEmpty {
            throw BPFError.missingPrivilege(action: PrivilegedAction.createMaps.label, missing: Privileges.current().missing(for: .createMaps))
        }
    }
}
