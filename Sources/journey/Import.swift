import ArgumentParser
import Foundation
import JourneyEstimation
import JourneyFormats
import JourneyImport
import JourneyModel

/// The options of every importer (`journey import events|crm`, `journey fit --events`).
struct ImportOptions: ParsableArguments {
  @Option(help: "Column mapping role=column: customer, time, stage, channel, revenue (e.g. customer=user_id,time=event_time); for a flattened GA4 table also user, source, medium, campaign; with 'journey fit --postgres': customer, period, phase, channels, segment.")
  var columns: String?

  @Option(help: "CRM export layout: salesforce, hubspot or cobra (see docs/importing.md).")
  var preset: CRMPreset?

  @Option(help: "Field separator: comma, tab, semicolon (default: detected from the header line).")
  var delimiter: String?

  @Option(name: .customLong("time-unit"), help: "Unit of epoch timestamps: s, ms or us.")
  var timeUnit: TimeParser.EpochUnit?

  @Option(name: .customLong("date-format"), help: "Order of day-first or month-first dates: DD/MM/YYYY, MM/DD/YYYY (optional time after).")
  var dateFormat: String?

  @Option(name: .customLong("stage-map"), help: "CSV source,phase: stage names to phases (many to one).")
  var stageMap: String?

  @Option(name: .customLong("map-stage"), help: "Stage names to phases inline: lead=aware,mql=aware.")
  var mapStage: String?

  @Option(name: .customLong("channel-map"), help: "CSV source,channel: exact names or /regex/ rules, in order.")
  var channelMap: String?

  @Flag(name: .customLong("ignore-unmapped"), help: "Drop (and count) stages and channels the maps do not name.")
  var ignoreUnmapped = false

  func validate() throws {
    if let delimiter, separator(delimiter) == nil {
      throw ValidationError("Please give '--delimiter' as comma, tab or semicolon (or the character itself).")
    }
    if let dateFormat, TimeParser.DateFormat(dateFormat) == nil {
      throw ValidationError("Please give '--date-format' as DD/MM/YYYY or MM/DD/YYYY (any one separator).")
    }
  }

  func separator(_ text: String) -> UInt8? {
    switch text.lowercased() {
    case "comma", ",": UInt8(ascii: ",")
    case "tab", "\\t", "\t", "tsv": 9
    case "semicolon", ";": UInt8(ascii: ";")
    default: nil
    }
  }

  /// The settings these options give, on top of the model's `import:` block.
  func settings(
    model: Scenario?, unit: PeriodUnit, timeZone: String, start: String?, from: String?, until: String?
  ) throws -> ImportSettings {
    var s = ImportSettings()
    var mapping = preset?.columns ?? .standard
    var named: [ColumnRole: String] = [:]
    for (key, value) in model?.importColumns ?? [:] {
      if let role = ColumnRole(rawValue: key) { named[role] = value }
    }
    if let columns {
      for (role, value) in try ColumnMapping.parse(columns, origin: "--columns") { named[role] = value }
    }
    mapping = mapping.overriding(named)
    s.columns = mapping
    s.delimiter = delimiter.flatMap(separator)
    s.time = TimeParser(epoch: timeUnit, dateFormat: dateFormat.flatMap(TimeParser.DateFormat.init))
    if let stageMap {
      s.stageMap = try NameMap(path: stageMap, target: "phase", allowPatterns: false)
    }
    if let mapStage {
      let inline = try NameMap(inline: mapStage, origin: "--map-stage")
      if s.stageMap == nil {
        s.stageMap = inline
      } else {
        throw ValidationError("Please give either '--stage-map' or '--map-stage', not both.")
      }
    }
    if let channelMap { s.channelMap = try NameMap(path: channelMap, target: "channel", allowPatterns: true) }
    s.ignoreUnmapped = ignoreUnmapped
    s.unit = unit
    s.timeZone = timeZone
    s.start = start
    s.from = from
    s.until = until
    return s
  }
}

/// Periods of timed events.
struct PeriodOptions: ParsableArguments {
  @Option(help: "Period length: day, week (ISO, from Monday) or month.")
  var period: PeriodUnit = .week

  @Option(help: "Time zone of the periods and of timestamps without an offset (IANA name).")
  var timezone: String = "UTC"

  @Option(help: "First day of period 0 (YYYY-MM-DD; default: the earliest event's period).")
  var start: String?

  @Option(help: "First day of the data window (YYYY-MM-DD); earlier events are left out.")
  var from: String?

  @Option(help: "Last day of the data window (YYYY-MM-DD); open records are right-censored there (default: the latest event).")
  var until: String?
}

extension CRMPreset: ExpressibleByArgument {}
extension TimeParser.EpochUnit: ExpressibleByArgument {}

struct Import: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Turn event tables and CRM stage histories into a journey log.",
    subcommands: [Events.self, CRM.self, GA4.self]
  )

  /// Reads, prints the report on stderr, writes the journey log.
  static func run(
    files: [String], options: ImportOptions, period: PeriodOptions, model: String?, output: String, ga4: GA4Settings? = nil
  ) throws {
    let template = try model.map { try Scenario.load(path: $0) }
    let settings = try options.settings(
      model: template, unit: period.period, timeZone: period.timezone, start: period.start, from: period.from,
      until: period.until)
    let vocabulary = template.map { Vocabulary(model: $0) } ?? .inferred
    let (display, progress) = Progress.reading(files)
    var history =
      try ga4.map { try GA4Import.read(paths: files, settings: settings, ga4: $0, vocabulary: vocabulary, progress: progress) }
      ?? EventImport.read(paths: files, settings: settings, vocabulary: vocabulary, progress: progress)
    display.finish()
    let writer = try AtomicFileWriter(path: output)
    try history.writeJourneyLog { try writer.write($0) }
    let files = ResultSet()
    try files.stage(writer)
    try files.commit()
    FileHandle.standardError.write(Data((history.report.text + "wrote \(output)\n").utf8))
  }

  struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "events",
      abstract: "Import event tables (customer_id,event_time,stage,channel) as a journey log.",
      discussion: """
        Each row is one event of a customer: a stage change, a touchpoint (channel) or both \
        (empty cells are absent). CSV, TSV or semicolon-separated (detected from the header), \
        plain or gzip, '-' for stdin. Timestamps: ISO 8601, BigQuery ('… UTC'), epoch with \
        --time-unit, day/month dates with --date-format. A report goes to stderr. See docs/importing.md.

        Examples:
          journey import events events.csv.gz -o journeys.csv
          journey import events export.tsv --columns customer=user_id,time=ts --time-unit ms --period day
          journey import events a.csv b.csv --stage-map stages.csv --channel-map channels.csv --ignore-unmapped
        """
    )

    @Argument(help: "Event tables ('-' for stdin).")
    var files: [String]

    @Option(name: [.customShort("o"), .long], help: "The journey log to write.")
    var output: String = "journeys.csv"

    @Option(help: "A scenario: its phases and channels (unknown names are unmapped) and its import: block.")
    var model: String?

    @OptionGroup var options: ImportOptions
    @OptionGroup var periods: PeriodOptions

    func run() throws { try Import.run(files: files, options: options, period: periods, model: model, output: output) }
  }

  struct CRM: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "crm",
      abstract: "Import CRM stage histories (one row per stage change) as a journey log.",
      discussion: """
        Presets name the columns of the exports: salesforce (OpportunityHistory: OpportunityId, \
        StageName, CreatedDate, Amount), hubspot (deal stage history: deal id, dealstage or \
        property value, timestamp), cobra (record_id, stage, changed_at, amount). Open records \
        are right-censored at --until (default: the latest change). See docs/importing.md.

        Examples:
          journey import crm OpportunityHistory.csv --preset salesforce --period month --stage-map stages.csv
          journey import crm deals.csv --preset hubspot --time-unit ms -o journeys.csv
        """
    )

    @Argument(help: "Stage histories ('-' for stdin).")
    var files: [String]

    @Option(name: [.customShort("o"), .long], help: "The journey log to write.")
    var output: String = "journeys.csv"

    @Option(help: "A scenario: its phases (unknown stages are unmapped) and its import: block.")
    var model: String?

    @OptionGroup var options: ImportOptions
    @OptionGroup var periods: PeriodOptions

    func validate() throws {
      guard options.preset != nil || options.columns != nil else {
        throw ValidationError("Please give '--preset salesforce|hubspot|cobra' (or '--columns').")
      }
    }

    func run() throws { try Import.run(files: files, options: options, period: periods, model: model, output: output) }
  }

  struct GA4: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "ga4",
      abstract: "Import a Google Analytics 4 BigQuery export (newline-delimited JSON or the flattened CSV) as a journey log.",
      discussion: """
        One JSON event per line, as 'bq extract --destination_format NEWLINE_DELIMITED_JSON' \
        writes the events_* tables, or the flattened table of one row per event (CSV: \
        event_timestamp, event_name, user_pseudo_id, user_id, source, medium, campaign, \
        purchase_revenue; rename with --columns), detected by content (plain or gzip, '-' \
        for stdin). Customers are \
        user_pseudo_id (or user_id with --identity user_id); channels are GA4's default \
        channel groups (paid_search, organic_social, email, …) computed from each event's \
        traffic source, then renamed with --channel-map; stages are the lifecycle events \
        (first_visit → aware, view_item/add_to_cart/begin_checkout → considering, purchase → \
        purchased with its revenue), or your --stage-map. See docs/importing.md.

        Examples:
          journey import ga4 events_2024*.json.gz -o journeys.csv
          journey import ga4 ga4_events.csv.gz --columns customer=client_id -o journeys.csv
          journey import ga4 - --ga4-format csv < flattened.csv
          journey import ga4 export.ndjson --channel-map ga4-channels.csv --model scenarios/b2c.yaml
          journey import ga4 --print-source-categories > sources.csv
        """
    )

    @Argument(help: "GA4 export files ('-' for stdin).")
    var files: [String] = []

    @Option(name: [.customShort("o"), .long], help: "The journey log to write.")
    var output: String = "journeys.csv"

    @Option(help: "A scenario: its phases and channels (unknown names are unmapped) and its import: block.")
    var model: String?

    @Option(help: "The form of the files: ndjson or csv (the flattened table), as --ga4-format; default: detected from each file's content.")
    var format: GA4Format?

    @OptionGroup var ga4: GA4Options
    @OptionGroup var options: ImportOptions
    @OptionGroup var periods: PeriodOptions

    func validate() throws {
      guard ga4.printSourceCategories || !files.isEmpty else { throw ValidationError("Please give GA4 export files ('-' for stdin).") }
      if let format, let other = ga4.ga4Format, format != other {
        throw ValidationError("Please give the form once: '--format \(format.rawValue)' and '--ga4-format \(other.rawValue)' disagree.")
      }
    }

    func run() throws {
      if ga4.printSourceCategories {
        print(SourceCategories.default.csv, terminator: "")
        return
      }
      var settings = try ga4.settings()
      if let format { settings.format = format }
      try Import.run(files: files, options: options, period: periods, model: model, output: output, ga4: settings)
    }
  }
}

extension GA4Format: ExpressibleByArgument {}

/// The options of a GA4 import (`journey import ga4`, `journey fit --ga4`).
struct GA4Options: ParsableArguments {
  @Option(help: "Who a customer is: pseudo (user_pseudo_id) or user_id (the signed-in user where known).")
  var identity: GA4Reader.Identity = .pseudo

  @Option(name: .customLong("source-categories"), help: "CSV source,category (search, social, shopping, video) replacing the built-in site lists of the channel groups.")
  var sourceCategories: String?

  @Flag(name: .customLong("print-source-categories"), help: "Print the built-in site lists (to edit and pass to --source-categories) and exit.")
  var printSourceCategories = false

  @Option(name: .customLong("ga4-format"), help: "The form of the GA4 files: ndjson or csv (the flattened table); default: detected from each file's content.")
  var ga4Format: GA4Format?

  func settings() throws -> GA4Settings {
    var s = GA4Settings(identity: identity, format: ga4Format)
    if let sourceCategories {
      s.categories = try SourceCategories.load(path: sourceCategories)
    }
    return s
  }
}

extension GA4Reader.Identity: ExpressibleByArgument {}
