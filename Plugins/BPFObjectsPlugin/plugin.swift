import Foundation
import PackagePlugin

/// Compiles every `bpf/*.bpf.c` with clang (`-g -O2 -target bpf`) and turns each object into Swift
/// source holding its bytes (base64), its sha256 and the compiler that made it, as libbpf skeletons embed
/// their object. The binary therefore always carries the objects it was built with: no stale `.o` on disk.
///
/// Target `BPFObjects` compiles the package's `bpf/` into `EmbeddedBPFObject.all`; any other target (the
/// tests' corpus, at Tests/<target>) compiles its own `bpf/` directory into `enum Corpus` (`Corpus.all`), with the package's
/// `bpf/` on the include path for vmlinux.h.
@main
struct BPFObjectsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let packageBPF = context.package.directoryURL.appending(path: "bpf")
        let isProduct = target.name == "BPFObjects"
        // (Target.directoryURL needs tools version 6.1: a corpus target lives at Tests/<name>.)
        let bpfDir = isProduct ? packageBPF : context.package.directoryURL.appending(path: "Tests/\(target.name)/bpf")
        // Where the generated declarations go: the product's objects extend EmbeddedBPFObject, a corpus has its own namespace.
        let (header, namespace) = isProduct ? ("", "EmbeddedBPFObject") : ("import BPFObjects\\n", "Corpus")
        let packageHeaders = isProduct ? [] : try FileManager.default.contentsOfDirectory(atPath: packageBPF.path)
            .filter { $0.hasSuffix(".h") }.map { packageBPF.appending(path: $0) }
        let files = try FileManager.default.contentsOfDirectory(atPath: bpfDir.path).sorted()
        let sources = files.filter { $0.hasSuffix(".bpf.c") }
        let headers = files.filter { $0.hasSuffix(".h") }.map { bpfDir.appending(path: $0) }
        let clang = try context.tool(named: "clang").url
        let work = context.pluginWorkDirectoryURL
        #if arch(arm64)
        let arch = "arm64"
        let multiarch = "/usr/include/aarch64-linux-gnu"
        #else
        let arch = "x86"
        let multiarch = "/usr/include/x86_64-linux-gnu"
        #endif

        var commands: [Command] = []
        var names: [String] = []
        for source in sources {
            let stem = String(source.dropLast(".bpf.c".count))
            let ident = stem.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            names.append(ident)
            let input = bpfDir.appending(path: source)
            let object = work.appending(path: "\(stem).bpf.o")
            let output = work.appending(path: "BPFObject+\(ident).swift")
            let script = """
            set -e
            '\(clang.path)' -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_\(arch) -I '\(bpfDir.path)' -I '\(packageBPF.path)' -I '\(multiarch)' \
              -ffile-prefix-map='\(context.package.directoryURL.path)'=. -ffile-prefix-map='\(work.path)'=build \
              -c '\(input.path)' -o '\(object.path)'
            version=$('\(clang.path)' --version | head -n 1 | sed 's/[\\\\"]//g')
            {
              printf '\(header)extension \(namespace) {\\n'
              printf '    /// Built from bpf/\(source).\\n'
              printf '    public static let \(ident) = EmbeddedBPFObject(\\n'
              printf '        name: "\(stem)",\\n'
              printf '        sha256: "%s",\\n' "$(sha256sum '\(object.path)' | cut -d' ' -f1)"
              printf '        compiler: "%s",\\n' "$version"
              printf '        base64: "'
              base64 -w0 '\(object.path)'
              printf '")\\n}\\n'
            } > '\(output.path)'
            """
            commands.append(.buildCommand(
                displayName: "Compiling BPF object \(source)",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script],
                // Every source of the directory: a variant may include another (`#include "tcplife.bpf.c"`).
                inputFiles: sources.map { bpfDir.appending(path: $0) } + headers + packageHeaders,
                outputFiles: [output]))
        }

        let list = work.appending(path: "BPFObject+All.swift")
        let opening = isProduct ? "extension EmbeddedBPFObject {\n" : "import BPFObjects\n\n/// The tests' corpus of BPF objects.\npublic enum Corpus {\n"
        let body = opening + "    /// Every object built from bpf/*.bpf.c.\n"
            + "    public static let all: [EmbeddedBPFObject] = [\(names.map { (isProduct ? "." : "\(namespace).") + $0 }.joined(separator: ", "))]\n}\n"
        commands.append(.buildCommand(
            displayName: "Listing BPF objects",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "printf '%s' \"$1\" > '\(list.path)'", "sh", body],
            inputFiles: sources.map { bpfDir.appending(path: $0) },
            outputFiles: [list]))
        return commands
    }
}
