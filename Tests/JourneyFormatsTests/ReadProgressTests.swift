import Foundation
import Testing

import JourneyModel

@testable import JourneyFormats
import _JourneyTestSupport

/// The bytes a run's inputs report to a progress display.
struct ReadProgressTests {
  /// Reads `input` to its end in blocks of `block` bytes.
  func drain(_ input: TableInput, block: Int = 1 << 16) throws {
    var buffer = [UInt8](repeating: 0, count: block)
    while try buffer.withUnsafeMutableBufferPointer({ (b) throws(InputErrors) -> Int in
      try input.read(into: b.baseAddress!, count: b.count)
    }) > 0 {}
  }

  @Test func inputsAddUpInOrderAndTheLastReportIsTheWhole() throws {
    let dir = NSTemporaryDirectory() + "/journey-read-progress-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let sizes = [3 * ReadProgress.step + 123, 17, 2 * ReadProgress.step]
    var paths: [String] = []
    for (k, size) in sizes.enumerated() {
      let path = dir + "/input-\(k).csv"
      FileManager.default.createFile(atPath: path, contents: Data(repeating: UInt8(ascii: "x"), count: size))
      paths.append(path)
    }
    #expect(ReadProgress.totalBytes(paths + ["-", dir + "/missing.csv", dir]) == sizes.reduce(0, +))
    var reports: [Int] = []
    let progress = ReadProgress { reports.append($0) }
    for path in paths {
      let input = try TableInput(path: path)
      input.progress = progress
      try drain(input)
    }
    progress.finish()
    let whole = sizes.reduce(0, +)
    #expect(progress.total == whole)
    #expect(reports.last == whole)
    // Growing, one report per step or more, never more than the whole.
    #expect(zip(reports, reports.dropFirst()).allSatisfy { $0 <= $1 })
    #expect(zip(reports, reports.dropFirst().dropLast()).allSatisfy { $1 - $0 >= ReadProgress.step })
    #expect(reports.count >= whole / ReadProgress.step - 1 && reports.count <= whole / ReadProgress.step + 1)
  }

  @Test func aCompressedInputCountsItsCompressedBytes() throws {
    let path = NSTemporaryDirectory() + "/journey-read-progress-\(getpid()).csv"
    defer {
      try? FileManager.default.removeItem(atPath: path)
      try? FileManager.default.removeItem(atPath: path + ".gz")
    }
    try String(repeating: "customer_id,period,phase,channels\n", count: 200_000).write(
      toFile: path, atomically: true, encoding: .utf8)
    #expect(try ChildProcess.run(["/usr/bin/gzip", "-kf", path]).status == 0)
    let compressed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
    var reports: [Int] = []
    let progress = ReadProgress { reports.append($0) }
    let input = TableInput(bytes: compressed, name: "log.csv.gz")
    input.progress = progress
    try drain(input)
    progress.finish()
    #expect(input.isCompressed)
    #expect(reports.last == compressed.count)
  }
}
