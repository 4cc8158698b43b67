import Foundation
import JourneyFormats
import Testing

@Suite struct ResultSetTests {
  func folder() throws -> String {
    let dir = NSTemporaryDirectory() + "resultset-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  func contents(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
  }

  @Test func nothingAppearsBeforeCommitAndEverythingAfter() throws {
    let dir = try folder()
    let files = ResultSet()
    try files.stage("a\n", to: dir + "/a.csv")
    let log = try AtomicFileWriter(path: dir + "/log.csv")
    try log.write("x,y\n")
    try files.stage(log)
    try files.stage("{}\n", to: dir + "/summary.json")
    // Three temporaries, no result file yet.
    #expect(try contents(dir).allSatisfy { $0.hasPrefix(".") && $0.hasSuffix(".tmp") })
    #expect(try contents(dir).count == 3)
    try files.commit()
    #expect(try contents(dir) == ["a.csv", "log.csv", "summary.json"])
    #expect(try String(contentsOfFile: dir + "/log.csv", encoding: .utf8) == "x,y\n")
  }

  /// A run that fails (or is dropped) before its set is committed leaves the previous
  /// result exactly as it was and no temporary file.
  @Test func anUncommittedSetLeavesTheOldResult() throws {
    let dir = try folder()
    try AtomicFile.write("old summary\n", to: dir + "/summary.json")
    try AtomicFile.write("old periods\n", to: dir + "/periods.csv")
    do {
      let files = ResultSet()
      try files.stage("new periods\n", to: dir + "/periods.csv")
      let log = try AtomicFileWriter(path: dir + "/journeys.csv")
      try log.write("customer_id,period,phase,channels\n")
      try files.stage(log)
      // The summary cannot be written: the set is dropped without commit.
      #expect(throws: OutputError.self) { try files.stage("new summary\n", to: dir + "/summary.json/x/y") }
    }
    #expect(try contents(dir) == ["periods.csv", "summary.json"])
    #expect(try String(contentsOfFile: dir + "/periods.csv", encoding: .utf8) == "old periods\n")
    #expect(try String(contentsOfFile: dir + "/summary.json", encoding: .utf8) == "old summary\n")
  }
}
