import Foundation

/// An output path that cannot be written: exit 64 in one line, before anything is measured or written.
public struct OutputPathError: Error, CustomStringConvertible, ExitStatusProviding {
    public let path: String
    public let problem: String
    public init(path: String, problem: String) { self.path = path; self.problem = problem }
    public var description: String { "cannot write '\(Text.oneLine(path))': \(problem)" }
    public var exitStatus: ExitStatus { .usage }
}

/// An output that could not be written after the checks passed (disk full, I/O error): exit 74.
public struct WriteError: Error, CustomStringConvertible, ExitStatusProviding {
    public let path: String
    public let problem: String
    public init(path: String, problem: String) { self.path = path; self.problem = problem }
    public var description: String { "cannot write \(Text.oneLine(path)): \(problem)" }
    public var exitStatus: ExitStatus { .writeFailed }
}

/// Where one output goes. A regular file (or a new path) is replaced by a temporary file and rename(2), so a
/// reader sees the old file or the new one; a symlink keeps its link and its target is replaced. A character
/// device or a FIFO (`/dev/null`, `/dev/stdout`, a pipe) is opened and written in place: renaming over it
/// would replace the device node itself. Directories, block devices and sockets are refused.
public struct OutputTarget: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Replace this regular file (the symlink's resolved target, or the path itself).
        case file(String)
        /// Open and write in place.
        case inPlace
    }

    public let path: String
    public let kind: Kind

    /// Checks `path` without writing anything; an `OutputPathError` says why it cannot be an output.
    public static func resolve(_ path: String) throws -> OutputTarget {
        func fail(_ problem: String) -> OutputPathError { OutputPathError(path: path, problem: problem) }
        if path.isEmpty { throw fail("an empty path is not a file") }
        if path.contains(where: Text.isControl) { throw fail("the path has control characters") }
        var st = stat()
        if stat(path, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFDIR: throw fail("it is a directory")
            case S_IFCHR, S_IFIFO:
                if access(path, W_OK) != 0 { throw fail("the device is not writable") }
                return OutputTarget(path: path, kind: .inPlace)
            case S_IFREG:
                let real = realPath(path) ?? path
                try requireWritableDirectory(of: real, for: path)
                return OutputTarget(path: path, kind: .file(real))
            case S_IFBLK: throw fail("it is a block device")
            default: throw fail("it is not a regular file, a character device or a FIFO")
            }
        }
        let code = errno
        guard code == ENOENT else { throw fail(String(cString: strerror(code))) }
        if path.hasSuffix("/") { throw fail("the path ends in '/' (a directory)") }
        // A new file, or the missing target of a dangling symlink (the link is kept, the target made).
        var target = path
        var hops = 0
        while lstat(target, &st) == 0, st.st_mode & S_IFMT == S_IFLNK, hops < 16 {
            guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: target) else { break }
            target = link.hasPrefix("/") ? link : (directoryName(target) as NSString).appendingPathComponent(link)
            hops += 1
        }
        try requireWritableDirectory(of: target, for: path)
        // The real directory: two spellings of one new file are one target.
        let name = (target as NSString).lastPathComponent
        if let dir = realPath(directoryName(target)) { target = dir == "/" ? "/\(name)" : "\(dir)/\(name)" }
        return OutputTarget(path: path, kind: .file(target))
    }

    static func requireWritableDirectory(of file: String, for path: String) throws {
        let dir = directoryName(file)
        var st = stat()
        guard stat(dir, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            throw OutputPathError(path: path, problem: "its directory does not exist")
        }
        if access(dir, W_OK) != 0 { throw OutputPathError(path: path, problem: "its directory is not writable") }
    }

    static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// A command's outputs, written all or none: every path is checked, every regular file is staged as a
/// temporary file beside its target, devices and FIFOs are written, and only then are the temporary files
/// renamed over their targets. A failure before the renames removes the temporary files and leaves every
/// target as it was.
public final class StagedOutputs: @unchecked Sendable {
    private var staged: [(temp: String, target: String)] = []
    private var inPlace: [(path: String, data: Data)] = []
    private let lock = NSLock()
    private let outputs: [(path: String, data: Data)]
    private let targets: [OutputTarget]

    /// Checks every path (two outputs may not share one); writes nothing.
    public init(_ outputs: [(path: String, data: Data)]) throws {
        self.outputs = outputs
        targets = try outputs.map { try OutputTarget.resolve($0.path) }
        var seen = Set<String>()
        for (target, output) in zip(targets, outputs) {
            let key: String
            if case let .file(real) = target.kind { key = real } else { key = output.path }
            if !seen.insert(key).inserted {
                throw OutputPathError(path: output.path, problem: "it is given for two outputs")
            }
        }
    }

    /// Writes the temporary files (register `discard` first, so a stop while this runs removes them).
    public func stage() throws {
        do {
            for (target, output) in zip(targets, outputs) {
                switch target.kind {
                case .inPlace: inPlace.append((output.path, output.data))
                case let .file(real):
                    let temp = try Self.writeTemporary(output.data, beside: real, for: output.path)
                    lock.lock()
                    staged.append((temp, real))
                    lock.unlock()
                }
            }
        } catch {
            discard()
            throw error
        }
    }

    /// Writes the device and FIFO outputs (a FIFO blocks until it has a reader: keep a timeout armed).
    public func writeInPlace() throws {
        for (path, data) in inPlace {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw WriteError(path: path, problem: String(cString: strerror(errno))) }
            defer { close(fd) }
            try Self.writeAll(fd, data, path: path)
        }
        inPlace = []
    }

    /// Renames every temporary file over its target.
    public func commit() throws {
        lock.lock(); defer { lock.unlock() }
        while let (temp, target) = staged.first {
            if rename(temp, target) != 0 {
                let code = errno
                for s in staged { unlink(s.temp) }
                staged = []
                throw WriteError(path: target, problem: String(cString: strerror(code)))
            }
            staged.removeFirst()
        }
    }

    /// Removes the temporary files not yet renamed (error and signal paths).
    public func discard() {
        lock.lock(); defer { lock.unlock() }
        for s in staged { unlink(s.temp) }
        staged = []
    }

    /// Writes every output now (no devices held back): for stores and tests.
    public static func write(_ outputs: [(path: String, data: Data)]) throws {
        let s = try StagedOutputs(outputs)
        try s.stage()
        try s.writeInPlace()
        try s.commit()
    }

    /// A new temporary file in the target's directory, with the target's mode when it exists.
    static func writeTemporary(_ data: Data, beside target: String, for path: String) throws -> String {
        let dir = OutputTarget.directoryName(target)
        let base = (target as NSString).lastPathComponent
        var st = stat()
        let mode: mode_t = stat(target, &st) == 0 ? st.st_mode & 0o7777 : 0o666
        for _ in 0 ..< 8 {
            let temp = "\(dir)/.\(base.prefix(200)).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
            let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if fd < 0 {
                if errno == EEXIST { continue }
                throw WriteError(path: path, problem: String(cString: strerror(errno)))
            }
            do {
                try writeAll(fd, data, path: path)
                if fsync(fd) != 0 { throw WriteError(path: path, problem: String(cString: strerror(errno))) }
                if st.st_mode != 0 { fchmod(fd, mode) }  // umask narrowed it at creation
                close(fd)
                return temp
            } catch {
                close(fd)
                unlink(temp)
                throw error
            }
        }
        throw WriteError(path: path, problem: "no free temporary name in \(dir)")
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WriteError(path: path, problem: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
    }
}

/// Creating a file that must not replace another (stored runs, outbox entries): the content goes to a
/// temporary file first and is then hard-linked to its name, which fails if the name exists. A reader never
/// sees half a file and an existing file is never replaced.
public enum ExclusiveFile {
    /// Returns false when `path` exists already (nothing is written then).
    public static func create(_ data: Data, at path: String) throws -> Bool {
        let temp = try StagedOutputs.writeTemporary(data, beside: path, for: path)
        defer { unlink(temp) }
        if link(temp, path) == 0 { return true }
        let code = errno
        if code == EEXIST { return false }
        throw WriteError(path: path, problem: String(cString: strerror(code)))
    }
}

/// An advisory lock on a file (flock), held until `unlock()`: writers of one store take turns.
public final class FileLock {
    private var fd: Int32

    /// Blocks until the lock on `path` (a directory, or a file created if missing) is held.
    public init(path: String) throws {
        var st = stat()
        let isDirectory = stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
        fd = isDirectory ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(path: path, problem: "cannot open the lock file: \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            throw WriteError(path: path, problem: "cannot lock: \(String(cString: strerror(code)))")
        }
    }

    public func unlock() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { unlock() }
}

/// File paths given by a user.
public enum FilePath {
    /// `path` made absolute against `directory` (default: the current one) by joining, without dropping or
    /// folding `..`: the kernel resolves it (`/a/b` + `../c/x.o` is `/a/b/../c/x.o`, which is `/a/c/x.o`).
    public static func absolute(_ path: String, from directory: String = FileManager.default.currentDirectoryPath) -> String {
        if path.hasPrefix("/") { return path }
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return path.isEmpty ? dir : "\(dir)/\(path)"
    }

    /// The directory part of `path` (`.` for a bare name, `/` for a file at the root).
    public static func directory(of path: String) -> String { OutputTarget.directoryName(path) }
}

/// Text that goes into one-line messages.
public enum Text {
    /// C0 and C1 control characters (newline, tab, escape, DEL, ...).
    public static func isControl(_ c: Character) -> Bool {
        c.unicodeScalars.contains { $0.value < 0x20 || (0x7f ... 0x9f).contains($0.value) }
    }

    /// `text` with control characters shown as escapes (`\n`, `\u{1b}`), so a message stays one line and no
    /// terminal escape from a file reaches the screen.
    public static func oneLine(_ text: String) -> String {
        guard text.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || (0x7f ... 0x9f).contains(scalar.value) {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
