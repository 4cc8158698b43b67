import Foundation
import JourneyFormats
import JourneyModel
import Testing
import _JourneyTestSupport

/// Files read whole are bounded: a regular file by its size before anything is read, a
/// device or pipe by what it delivers.
@Suite struct WholeFileTests {
  /// A sparse file of `size` bytes (no disk blocks, so a terabyte costs nothing).
  static func sparse(_ size: Int, in dir: String, name: String = "big.yaml") throws -> String {
    let path = dir + "/" + name
    let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
    #expect(fd >= 0)
    defer { close(fd) }
    #expect(ftruncate(fd, off_t(size)) == 0)
    return path
  }

  @Test func aFileWithinTheLimitIsReadWhole() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = dir + "/ten.txt"
    try Data("0123456789".utf8).write(to: URL(fileURLWithPath: path))
    #expect(try WholeFile.read(path, limit: 10, what: "test file") == Data("0123456789".utf8))
    #expect(throws: InputError.self) { try WholeFile.read(path, limit: 9, what: "test file") }
    let empty = dir + "/empty.txt"
    #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
    #expect(try WholeFile.read(empty, limit: 10, what: "test file").isEmpty)
  }

  @Test func aLargeRegularFileIsRefusedBySize() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let path = try Self.sparse(1 << 40, in: dir)  // 1 TiB: reading it would take hours
    do {
      _ = try WholeFile.read(path, limit: WholeFile.maxTextBytes, what: "scenario")
      Issue.record("a 1 TiB file was accepted")
    } catch {
      #expect(error.kind == .limit)
      #expect(error.file == path)
      // The size is stated exactly: it was taken from the file, not found by reading.
      #expect(error.message.contains("holds 1024 GiB; expected a scenario of at most 64 MiB"), "\(error)")
    }
  }

  @Test func aDeviceIsReadOnlyUpToTheLimit() throws {
    do {
      _ = try WholeFile.read("/dev/zero", limit: 1 << 20, what: "scenario")
      Issue.record("/dev/zero was accepted")
    } catch {
      #expect(error.kind == .limit)
      #expect(error.message.contains("holds more than 1 MiB; expected a scenario of at most 1 MiB"), "\(error)")
    }
  }

  @Test func missingFilesAndDirectoriesAreIOErrors() throws {
    let dir = try CommandRunner.temporaryDirectory()
    for (path, reason) in [(dir + "/none.yaml", "no such file"), (dir, "it is a directory")] {
      do {
        _ = try WholeFile.read(path, limit: 100, what: "scenario")
        Issue.record("\(path) was read")
      } catch {
        #expect(error.kind == .io)
        #expect(error.message == "cannot read the file: \(reason)", "\(error)")
      }
    }
  }

  /// Every command that reads a scenario, budget file, fit report or result folder refuses
  /// a wrong, huge file at once with exit 2 (a 300 MB file used to be read and parsed for
  /// half a minute into a gigabyte of memory); the size in the message is the file's own,
  /// taken before reading.
  @Test func commandsRefuseAHugeFileAtOnce() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let big = try Self.sparse(300 << 20, in: dir, name: "journeys.csv")
    let huge = try Self.sparse(2 << 30, in: dir, name: "fit.json")
    let results = dir + "/results"
    try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
    _ = try Self.sparse(2 << 30, in: results, name: "summary.json")
    let runs: [([String], String)] = [
      (["simulate", big, "--out", dir + "/o1"], "holds 300 MiB; expected a scenario of at most 64 MiB"),
      (["forecast", big, "--out", dir + "/o2"], "holds 300 MiB; expected a budget scenario of at most 64 MiB"),
      (["attribute", "scenarios/b2c.yaml", "--fit", huge, "--out", dir + "/o3"], "holds 2 GiB; expected a fit report of at most 1 GiB"),
      (["report", results], "holds 2 GiB; expected a result file of at most 1 GiB"),
    ]
    for (arguments, expected) in runs {
      let r = try CommandRunner.run(arguments)
      #expect(r.status == 2, "\(arguments): \(r.stderr)")
      #expect(r.stderr.contains(expected), "\(arguments): \(r.stderr)")
    }
  }
}
