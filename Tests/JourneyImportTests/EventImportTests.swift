import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyModel
import JourneySimulation
import Testing
import _JourneyTestSupport

@testable import JourneyImport

/// A small simulated history shared by the round-trip tests.
enum SimulatedHistory {
  static let scenario: Scenario = {
    var s = try! RepositoryFiles.scenario("b2c.yaml")
    s.population.size = 4_000
    s.population.arrivals = 150
    s.horizon = 26
    s.segments = [s.segments[0]]
    s.segments[0].share = 1
    return s
  }()

  static let log: [UInt8] = {
    let sink = InMemoryJourneyLog()
    _ = try! Simulator.run(scenario, engine: .individual, seed: 31, threads: 2, journeyLog: sink)
    return sink.bytes
  }()
}

/// Simulate → write the journeys as an event table or a CRM stage history → import →
/// fit: the same estimates as fitting the journey log itself, and the truth recovered.
struct EventRoundTripTests {
  let scenario = SimulatedHistory.scenario
  let log = SimulatedHistory.log

  func expectSameFit(_ a: TransitionFit, _ b: TransitionFit) {
    #expect(a.parameters.count == b.parameters.count)
    for (p, q) in zip(a.parameters, b.parameters) {
      #expect(p.origin == q.origin && p.target == q.target && p.channel == q.channel)
      #expect(abs(p.estimate - q.estimate) <= 1e-9, "\(p.origin)->\(p.target) \(p.channel ?? "")")
      #expect(abs((p.standardError ?? 0) - (q.standardError ?? 0)) <= 1e-9)
    }
    #expect(abs(a.logLikelihood - b.logLikelihood) <= 1e-9 * max(1, abs(a.logLikelihood)))
  }

  @Test(arguments: [",", "\t", ";"])
  func eventTableFitsLikeTheJourneyLog(separator: String) throws {
    let vocabulary = Vocabulary(model: scenario)
    let direct = try JourneyLogReader.read(bytes: log, file: "log.csv", vocabulary: vocabulary, holdoutFraction: 0.2)
    let table = JourneyLogExport.eventTable(log, separator: separator)
    var history = try EventImport.read(
      bytes: Array(table.utf8), name: "events.csv", settings: ImportSettings(), vocabulary: vocabulary)
    let summary = history.accumulate(holdout: 0.2)
    #expect(summary.training == direct.training)
    #expect(summary.holdout == direct.holdout)
    #expect(summary.exposure == direct.exposure)
    #expect(history.report.firstPeriod == "2024-01-01")
    #expect(history.report.multiMovePeriods == 0)
    #expect(history.report.customers == direct.customers)
    let a = try TransitionFit.fit(direct, model: scenario, file: "log.csv")
    let b = try TransitionFit.fit(summary, model: scenario, file: "events.csv")
    expectSameFit(a, b)
    // The truth: every baseline and effect within 4 standard errors.
    let truth = scenario.segments[0].parameters
    for p in b.parameters {
      guard let se = p.standardError, se > 0 else { continue }
      let i = try #require(scenario.phaseIndex(named: p.origin))
      let j = try #require(scenario.phaseIndex(named: p.target))
      let value = try p.channel.map { truth.effect(i, j, try #require(scenario.channelIndex(named: $0))) } ?? truth.probability(i, j)
      #expect(abs(p.estimate - value) <= 4 * se, "\(p.origin)->\(p.target) \(p.channel ?? "baseline")")
    }
  }

  /// The journey log `journey import` writes reads back to the same counts.
  @Test func writtenJourneyLogReadsBackToTheSameCounts() throws {
    let vocabulary = Vocabulary(model: scenario)
    let table = JourneyLogExport.eventTable(log)
    var history = try EventImport.read(
      bytes: Array(table.utf8), name: "events.csv", settings: ImportSettings(), vocabulary: vocabulary)
    var written: [UInt8] = []
    try history.writeJourneyLog { written.append(contentsOf: $0) }
    let again = try JourneyLogReader.read(bytes: written, file: "j.csv", vocabulary: vocabulary)
    let direct = try JourneyLogReader.read(bytes: log, file: "log.csv", vocabulary: vocabulary)
    #expect(again.training == direct.training)
    #expect(again.rows == direct.rows)
  }

  /// A Salesforce stage history (no channels), right-censored at the history's last day.
  @Test func stageHistoryFitsLikeTheJourneyLogWithoutChannels() throws {
    let vocabulary = Vocabulary(phases: scenario.phases.map(\.name), channels: [])
    let plain = JourneyLogExport.withoutChannels(log)
    let direct = try JourneyLogReader.read(bytes: plain, file: "log.csv", vocabulary: vocabulary)
    let crm = JourneyLogExport.stageHistory(log) { $0 == "purchased" ? "80" : "" }
    var settings = ImportSettings()
    settings.columns = CRMPreset.salesforce.columns
    settings.until = JourneyLogExport.lastDay(of: scenario.horizon - 1)
    var history = try EventImport.read(bytes: Array(crm.utf8), name: "history.csv", settings: settings, vocabulary: vocabulary)
    let summary = history.accumulate(holdout: 0)
    #expect(summary.training == direct.training)
    #expect(history.report.periods == scenario.horizon)
    let a = try TransitionFit.fit(direct, model: nil, file: "log.csv")
    let b = try TransitionFit.fit(summary, model: nil, file: "history.csv")
    expectSameFit(a, b)
    // Without --until the history stops at the last change: never extended.
    var open = ImportSettings()
    open.columns = CRMPreset.salesforce.columns
    let shorter = try EventImport.read(bytes: Array(crm.utf8), name: "history.csv", settings: open, vocabulary: vocabulary)
    #expect(shorter.report.periods <= scenario.horizon)
    // Revenue per phase is reported, and a fit without a model marks the conversion phase.
    let purchased = try #require(history.report.phases.firstIndex(of: "purchased"))
    #expect(history.report.revenue[purchased].count > 0)
    var model = b.scenario(template: nil, summary: summary)
    _ = try EventImport.complete(&model, report: history.report, settings: settings, conversion: [], hasSpend: false)
    #expect(model.phases.filter(\.isConversion).map(\.name) == ["purchased"])
    #expect(model.phases[purchased].value == 80)
  }
}

/// Formats of the input: separators, byte order mark, gzip, headers, timestamps.
struct EventTableFormatTests {
  func read(_ text: String, _ settings: ImportSettings = ImportSettings(), vocabulary: Vocabulary = .inferred) throws -> ImportedHistory {
    try EventImport.read(bytes: Array(text.utf8), name: "e.csv", settings: settings, vocabulary: vocabulary)
  }

  func states(_ h: ImportedHistory) -> [String] {
    var h = h
    var out: [String] = []
    let phases = h.phases
    let channels = h.channels
    h.replay { k, t, phase, pattern in
      let names = channels.indices.filter { pattern & (1 << UInt64($0)) != 0 }.map { channels[$0] }
      out.append("\(k) \(t) \(phases[phase]) \(names.joined(separator: ";"))")
    }
    return out
  }

  @Test func detectsTheSeparator() {
    func detect(_ s: String) -> UInt8 { Array(s.utf8).withUnsafeBufferPointer { CSVReader.detectSeparator($0) } }
    #expect(detect("a,b,c\n1;2;3") == UInt8(ascii: ","))
    #expect(detect("a\tb\tc\n") == 9)
    #expect(detect("a;b;c\n") == UInt8(ascii: ";"))
    #expect(detect("\u{FEFF}\"x;y\",b,c\n") == UInt8(ascii: ","))
    #expect(detect("single\n") == UInt8(ascii: ","))
  }

  @Test func bomHeadersInAnyCaseAndTabs() throws {
    let text = "\u{FEFF}Customer_ID\tEVENT_TIME\tStage\tChannel\n a \t2024-01-01\tlead\t\na\t2024-01-10\t\tsearch\n"
    let h = try read(text)
    #expect(h.phases == ["lead"])
    #expect(h.channels == ["search"])
    #expect(states(h) == ["0 0 lead ", "0 1 lead search"])
  }

  @Test func gzipAndPlainGiveTheSameHistory() throws {
    let text = "customer_id;time;stage;channel\n1;2024-01-01 10:00:00 UTC;lead;mail\n1;2024-01-09T08:00:00Z;won;\n2;2024-01-02;lead;\n"
    let dir = try CommandRunner.temporaryDirectory()
    let path = dir + "/e.csv"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try ChildProcess.run(["/usr/bin/gzip", "-k", path]).status == 0)
    let plain = try EventImport.read(paths: [path], settings: ImportSettings(), vocabulary: .inferred)
    let packed = try EventImport.read(paths: [path + ".gz"], settings: ImportSettings(), vocabulary: .inferred)
    #expect(states(plain) == states(packed))
    #expect(states(plain) == ["0 0 lead mail", "0 1 lead ", "1 0 lead ", "1 1 lead "])
    let input = try TableInput(path: path + ".gz")
    #expect(input.isCompressed)
    // A truncated gzip file is an error naming it.
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path + ".gz"))
    let cut = Array(bytes.prefix(bytes.count - 12))
    let e = #expect(throws: InputErrors.self) { try read(String(decoding: cut, as: UTF8.self)) }
    _ = e
    let e2 = #expect(throws: InputErrors.self) {
      try EventImport.read(bytes: cut, name: "cut.gz", settings: ImportSettings(), vocabulary: .inferred)
    }
    #expect(e2?.description.contains("cut.gz") == true)
  }

  @Test func timestampFormats() throws {
    func parse(_ s: String, _ p: TimeParser = TimeParser()) -> TimeParser.Outcome {
      var s = s
      return s.withUTF8 { p.parse($0) }
    }
    let day = Int64(Timestamps.daysFromCivil(2024, 3, 5)) * 86_400
    #expect(parse("2024-03-05 14:30:00.123456 UTC") == .parsed(.init(wallSeconds: day + 52_200, offset: 0)))
    #expect(parse("2024-03-05T14:30:00+01:00") == .parsed(.init(wallSeconds: day + 52_200, offset: 3600)))
    #expect(parse("2024-03-05") == .parsed(.init(wallSeconds: day, offset: nil)))
    let s = TimeParser(epoch: .s)
    let ms = TimeParser(epoch: .ms)
    let us = TimeParser(epoch: .us)
    #expect(parse("\(day + 52_200)", s) == .parsed(.init(wallSeconds: day + 52_200, offset: 0)))
    #expect(parse("\(day + 52_200)123", ms) == .parsed(.init(wallSeconds: day + 52_200, offset: 0)))
    #expect(parse("\(day + 52_200)123456", us) == .parsed(.init(wallSeconds: day + 52_200, offset: 0)))
    #expect(parse("-1", s) == .parsed(.init(wallSeconds: -1, offset: 0)))
    #expect(parse("-1", ms) == .parsed(.init(wallSeconds: -1, offset: 0)))
    // Numbers without a unit, and day/month dates without a format: errors with a hint.
    guard case .invalid(let m1) = parse("1709650000") else { Issue.record("a number without --time-unit"); return }
    #expect(m1.contains("--time-unit"))
    guard case .invalid(let m2) = parse("05/03/2024") else { Issue.record("an ambiguous date"); return }
    #expect(m2.contains("--date-format DD/MM/YYYY or MM/DD/YYYY"))
    let dmy = TimeParser(dateFormat: TimeParser.DateFormat("DD/MM/YYYY"))
    let mdy = TimeParser(dateFormat: TimeParser.DateFormat("MM/DD/YYYY"))
    #expect(parse("05/03/2024 14:30", dmy) == .parsed(.init(wallSeconds: day + 52_200, offset: nil)))
    #expect(parse("03/05/2024 14:30:00", mdy) == .parsed(.init(wallSeconds: day + 52_200, offset: nil)))
    #expect(parse("3/5/2024", mdy) == .parsed(.init(wallSeconds: day, offset: nil)))
    #expect(parse("31/02/2024", dmy) != .parsed(.init(wallSeconds: day, offset: nil)))
    if case .parsed = parse("13/13/2024", dmy) { Issue.record("month 13 parsed") }
    #expect(TimeParser.DateFormat("DD/MM/YY") == nil)
    #expect(TimeParser.DateFormat("DD.MM.YYYY")?.separator == UInt8(ascii: "."))
  }

  @Test func stageAndChannelMaps() throws {
    var settings = ImportSettings()
    settings.stageMap = try NameMap(inline: "Lead=aware,MQL=aware,Closed Won=won", origin: "--map-stage")
    var channels = NameMap()
    try channels.addPattern("^(google|bing)", "search", file: "m", line: 1)
    try channels.add("newsletter", "email", file: "m", line: 2)
    settings.channelMap = channels
    let text = """
      customer_id,timestamp,stage,channel
      a,2024-01-01,Lead,google-ads
      a,2024-01-02,MQL,newsletter
      a,2024-01-09,Closed Won,bing
      b,2024-01-01,Lead,tiktok
      b,2024-01-02,Demo,
      """
    let e = #expect(throws: InputErrors.self) { try read(text, settings) }
    let message = e?.description ?? ""
    #expect(message.contains("e.csv:6: stage:"), "\(message)")
    #expect(message.contains("'Demo' (1 rows)"))
    #expect(message.contains("e.csv:5: channel:") && message.contains("'tiktok' (1 rows)"), "\(message)")
    settings.ignoreUnmapped = true
    let h = try read(text, settings)
    #expect(h.phases == ["aware", "won"])
    #expect(h.channels == ["search", "email"])
    #expect(h.report.unmapped.map(\.name).sorted() == ["Demo", "tiktok"])
    #expect(h.report.warnings.contains { $0.contains("unmapped stage 'Demo'") })
    #expect(EventImport.conversionPhases(phases: h.phases, stageMap: settings.stageMap, explicit: []) == ["won"])
  }

  @Test func columnMapping() throws {
    var settings = ImportSettings()
    settings.columns = ColumnMapping.standard.overriding(
      try ColumnMapping.parse("customer=user_id,time=ts,revenue=amount", origin: "--columns"))
    let h = try read("USER_ID,ts,stage,amount\nu,1704103200,lead,12.5\n", {
      var s = settings
      s.time = TimeParser(epoch: .s)
      return s
    }())
    #expect(h.report.revenue.first?.sum == 12.5)
    let e = #expect(throws: InputErrors.self) { try read("customer_id,ts,stage\nu,2024-01-01,lead\n", settings) }
    #expect(e?.description.contains("missing the customer column (user_id)") == true)
    let bad = #expect(throws: InputErrors.self) { try ColumnMapping.parse("client=x", origin: "--columns") }
    #expect(bad?.description.contains("expected roles customer, time, stage, channel, revenue") == true)
  }
}

/// Bad rows and merged moves: errors name file, line, column, the value and what was expected.
struct EventImportErrorTests {
  func read(_ text: String, _ settings: ImportSettings = ImportSettings(), vocabulary: Vocabulary = .inferred) throws -> ImportedHistory {
    try EventImport.read(bytes: Array(text.utf8), name: "e.csv", settings: settings, vocabulary: vocabulary)
  }

  @Test func badRowsNameLineColumnAndValue() throws {
    let long = String(repeating: "9", count: 500)
    let text = "customer_id,timestamp,stage,channel,revenue\na,2024-13-01,lead,,\n,2024-01-01,lead,,\nb,05/03/2024,lead,,\nc,2024-01-01,lead,,\(long)x\n"
    let e = try #require(#expect(throws: InputErrors.self) { try read(text) })
    #expect(e.errors.count == 4)
    #expect(e.errors[0].description.hasPrefix("e.csv:2:2: timestamp: '2024-13-01' is not a timestamp; expected ISO 8601"))
    #expect(e.errors[1].description == "e.csv:3:1: customer_id: empty customer id; expected an identifier")
    #expect(e.errors[2].description.contains("--date-format"))
    #expect(e.errors[3].line == 5 && e.errors[3].column == 5)
    #expect(e.errors[3].message.count < 300)
  }

  @Test func severalMovesInOnePeriod() throws {
    // a: lead → mql → won within one week; the model allows lead → mql and mql → won only.
    let model = try Scenario.parse(
      text: """
        name: m
        horizon: 4
        population: {size: 10}
        phases: [lead, mql, won]
        transitions: {lead: {mql: 0.2}, mql: {won: 0.1}}
        """, file: "m.yaml")
    let text = "customer_id,timestamp,stage\na,2024-01-01,lead\na,2024-01-09,mql\na,2024-01-10,won\nb,2024-01-01,lead\nb,2024-01-16,mql\n"
    var h = try read(text, vocabulary: Vocabulary(model: model))
    let summary = h.accumulate(holdout: 0)
    #expect(h.report.multiMovePeriods == 1)
    #expect(h.report.supersededEvents == 1)
    #expect(h.report.advisesShorterPeriod)
    let e = try #require(#expect(throws: InputError.self) {
      try EventImport.checkAllowed(summary, model: model, report: h.report, file: "e.csv")
    })
    #expect(e.message.contains("lead -> won (1 times)"), "\(e.message)")
    #expect(e.message.contains("1 of \(h.report.customerPeriods) customer-periods hold several stage moves"))
    #expect(e.message.contains("shorter --period"))
    #expect(e.message.contains("transitions:\n  lead:\n    won: 0.01"))
  }

  @Test func commandLineExitsTwoWithTheLocation() throws {
    let dir = try CommandRunner.temporaryDirectory()
    try "customer_id,timestamp,stage\na,2024-01-01,lead\na,1709650000,won\n".write(toFile: dir + "/e.csv", atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["import", "events", dir + "/e.csv", "-o", dir + "/j.csv"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("e.csv:3:2: timestamp: '1709650000' is a number; give --time-unit"), "\(r.stderr)")
    let ok = try CommandRunner.run(["import", "events", dir + "/e.csv", "-o", dir + "/j.csv", "--time-unit", "s", "--period", "day"])
    #expect(ok.status == 0, "\(ok.stderr)")
    #expect(ok.stderr.contains("read 2 rows"))
    #expect(FileManager.default.fileExists(atPath: dir + "/j.csv"))
    let crm = try CommandRunner.run(["import", "crm", dir + "/e.csv", "-o", dir + "/k.csv"])
    #expect(crm.status != 0 && crm.stderr.contains("--preset"))
    // Mapping errors: a stage no rule covers, a column that is not there.
    let unmapped = try CommandRunner.run([
      "import", "events", dir + "/e.csv", "-o", dir + "/j.csv", "--time-unit", "s", "--map-stage", "lead=aware",
    ])
    #expect(unmapped.status == 2)
    #expect(unmapped.stderr.contains("e.csv:3: stage: 1 stage names in 1 rows are not mapped to a phase: 'won' (1 rows)"), "\(unmapped.stderr)")
    let column = try CommandRunner.run(["import", "events", dir + "/e.csv", "--columns", "customer=user_id", "-o", dir + "/j.csv"])
    #expect(column.status == 2)
    #expect(column.stderr.contains("e.csv:1: missing the customer column (user_id)"), "\(column.stderr)")
  }

  @Test func fitFromEventsWithoutAModel() throws {
    let dir = try CommandRunner.temporaryDirectory()
    let table = JourneyLogExport.eventTable(SimulatedHistory.log)
    try table.write(toFile: dir + "/events.csv", atomically: true, encoding: .utf8)
    let r = try CommandRunner.run(["fit", "--events", dir + "/events.csv", "--out", dir + "/fit", "--conversion", "purchased"])
    #expect(r.status == 0, "\(r.stderr)")
    let model = try Scenario.load(path: dir + "/fit/model.yaml")
    #expect(model.phases.filter(\.isConversion).map(\.name) == ["purchased"])
    #expect(r.stdout.contains("warning: no --spend"))
  }

  @Test func modelImportBlockNamesTheColumns() throws {
    let text = """
      name: m
      horizon: 4
      population: {size: 10}
      phases: [lead, won]
      transitions: {lead: {won: 0.2}}
      import: {customer: Deal, time: When, stage: Status}
      """
    let model = try Scenario.parse(text: text, file: "m.yaml")
    #expect(model.importColumns == ["customer": "Deal", "time": "When", "stage": "Status"])
    let bad = #expect(throws: (any Error).self) { try Scenario.parse(text: text.replacingOccurrences(of: "Status}", with: "Status, segment: s}"), file: "m.yaml") }
    #expect("\(bad.map { "\($0)" } ?? "")".contains("import.segment"))
    let dir = try CommandRunner.temporaryDirectory()
    try text.write(toFile: dir + "/m.yaml", atomically: true, encoding: .utf8)
    try "Deal\tWhen\tStatus\nd1\t1704103200000\tlead\nd1\t1704967200000\twon\n".write(
      toFile: dir + "/h.tsv", atomically: true, encoding: .utf8)
    let r = try CommandRunner.run([
      "import", "crm", dir + "/h.tsv", "--columns", "customer=Deal", "--model", dir + "/m.yaml", "--time-unit", "ms",
      "-o", dir + "/j.csv", "--until", "2024-01-21",
    ])
    #expect(r.status == 0, "\(r.stderr)")
    let log = try String(contentsOfFile: dir + "/j.csv", encoding: .utf8)
    #expect(log == "customer_id,period,phase,channels\nd1,0,lead,\nd1,1,lead,\nd1,2,won,\n")
  }
}
