import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A program the tests run, started with `posix_spawn` and waited for with `waitpid`, its
/// output collected through files.
///
/// Why not Foundation's `Process`: it notices a child's exit through a socket pair whose
/// end every other child started meanwhile inherits (swift-corelibs-foundation issue
/// 4795). A child that outlives its test (a database server, a browser's helper) then
/// keeps the end open, and `waitUntilExit()` of another test's child never returns. A
/// child started here gets no descriptor of this process past its standard streams, and
/// its exit is read from `waitpid`, which no other process can hold up.
public final class ChildProcess: @unchecked Sendable {
  /// How a run ended.
  public struct Outcome: Sendable {
    /// The exit status, or 128 + the signal's number when a signal ended the run (as a
    /// shell reports it), or -1 when it still ran at the timeout and had to be killed.
    public let status: Int32
    /// Whether the program exited (rather than being ended by a signal).
    public let exited: Bool
    public let stdout: String
    public let stderr: String
    /// Whether the run was ended at its timeout.
    public let timedOut: Bool
    /// The process id the run had.
    public let pid: pid_t
  }

  /// Where the program's standard output and error go.
  public enum Output: Sendable {
    /// Into files read by ``outcome()``.
    case capture
    /// To `/dev/null`.
    case discard
  }

  public let pid: pid_t
  private let outPath: String?
  private let errPath: String?
  private let lock = NSLock()
  private var waitStatus: Int32?
  private var killedAtTimeout = false

  /// Starts `argv` (a path, or a name looked up in `PATH`) in `directory` (this process's
  /// own by default), with `environment` as its whole environment (this process's by
  /// default) and an empty standard input.
  public init(
    _ argv: [String], directory: String? = nil, environment: [String: String]? = nil, output: Output = .capture
  ) throws {
    precondition(!argv.isEmpty, "a program to run")
    if output == .capture {
      let base = FileManager.default.temporaryDirectory
        .appendingPathComponent("journeykit-child-\(getpid())-\(UInt64.random(in: 0...UInt64.max))").path
      outPath = base + ".out"
      errPath = base + ".err"
    } else {
      outPath = nil
      errPath = nil
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if let directory {
      guard let chdir = Self.addChdir else { throw ChildProcessError(message: "posix_spawn cannot change directory here") }
      _ = directory.withCString { chdir(&actions, $0) }
    }
    _ = Self.closeFrom?(&actions, 3)
    // Every signal unblocked and at its default action, whatever this process (a test
    // runner) blocks or ignores: a child would otherwise inherit that, and not end at
    // SIGTERM.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let args: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { args.forEach { free($0) } }
    let env: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
    defer { env?.forEach { free($0) } }
    var pid: pid_t = 0
    let result: Int32 = env.map { env in
      env.withUnsafeBufferPointer { envp in
        argv[0].contains("/")
          ? posix_spawn(&pid, argv[0], &actions, &attributes, args, envp.baseAddress)
          : posix_spawnp(&pid, argv[0], &actions, &attributes, args, envp.baseAddress)
      }
    } ?? (argv[0].contains("/")
      ? posix_spawn(&pid, argv[0], &actions, &attributes, args, environ)
      : posix_spawnp(&pid, argv[0], &actions, &attributes, args, environ))
    guard result == 0 else {
      if let outPath { unlink(outPath) }
      if let errPath { unlink(errPath) }
      throw ChildProcessError(message: "cannot run \(argv[0]): \(String(cString: strerror(result)))")
    }
    self.pid = pid
  }

  deinit {
    if waitStatus == nil {
      kill(pid, SIGKILL)
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
    if let outPath { unlink(outPath) }
    if let errPath { unlink(errPath) }
  }

  /// Runs `argv` to its end (see ``init(_:directory:environment:output:)``); past
  /// `timeout` seconds it is sent SIGTERM, and SIGKILL 5 seconds later.
  public static func run(
    _ argv: [String], directory: String? = nil, environment: [String: String]? = nil, output: Output = .capture,
    timeout: TimeInterval? = nil
  ) throws -> Outcome {
    let child = try ChildProcess(argv, directory: directory, environment: environment, output: output)
    if let timeout, !child.wait(timeout: timeout) {
      child.lock.withLock { child.killedAtTimeout = true }
      child.signal(SIGTERM)
      if !child.wait(timeout: 5) { child.signal(SIGKILL) }
    }
    _ = child.wait()
    return child.outcome()
  }

  /// Whether the program still runs.
  public var isRunning: Bool { !reap(blocking: false) }

  /// Sends `signal` to the program (nothing once it has been waited for).
  public func signal(_ signal: Int32) {
    lock.withLock { if waitStatus == nil { _ = kill(pid, signal) } }
  }

  /// Waits for the program's end, at most `timeout` seconds when given: whether it ended.
  @discardableResult
  public func wait(timeout: TimeInterval? = nil) -> Bool {
    guard let timeout else { return reap(blocking: true) }
    let deadline = Date().addingTimeInterval(timeout)
    while !reap(blocking: false) {
      if Date() >= deadline { return false }
      usleep(10_000)
    }
    return true
  }

  /// How the run ended, once it has (waits for it otherwise).
  public func outcome() -> Outcome {
    _ = reap(blocking: true)
    let (status, timedOut) = lock.withLock { (waitStatus ?? 0, killedAtTimeout) }
    let exited = status & 0x7f == 0
    let code: Int32 = timedOut ? -1 : exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return Outcome(
      status: code, exited: exited, stdout: outPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "",
      stderr: errPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "", timedOut: timedOut, pid: pid)
  }

  /// Collects the program's exit status if it has ended (or waits for it when
  /// `blocking`): whether it has.
  private func reap(blocking: Bool) -> Bool {
    lock.withLock {
      if waitStatus != nil { return true }
      var status: Int32 = 0
      while true {
        let r = waitpid(pid, &status, blocking ? 0 : WNOHANG)
        if r == pid {
          waitStatus = status
          return true
        }
        if r == 0 { return false }
        if errno != EINTR { return false }
      }
    }
  }

  private typealias FileAction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
  private typealias ChdirAction =
    @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

  /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34 and later; the Swift module of
  /// glibc does not declare it).
  private static let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
    unsafeBitCast($0, to: FileAction.self)
  }

  /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29 and later).
  private static let addChdir = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map {
    unsafeBitCast($0, to: ChdirAction.self)
  }
}

/// A program the tests could not start.
public struct ChildProcessError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}
