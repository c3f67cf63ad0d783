import ArgumentParser
import Foundation
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "doctor", abstract: "Say what this kernel and machine offer, from live probes.")
    func run() throws {}
}
