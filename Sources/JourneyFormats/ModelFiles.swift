import Foundation
import JourneyModel

/// Reading the input files of the model: scenarios, budget scenarios and the files they
/// name. JourneyModel parses text; these loaders read it from disk.
public enum TextFile {
  /// The UTF-8 text of a file of at most `limit` bytes (``WholeFile``); `what` names it
  /// in the message of one past the limit.
  ///
  /// - Throws: ``InputErrors`` with one `.io` error naming `path` (no such file, a
  ///   directory, permission denied), a `.limit` error for a file past `limit`, or a
  ///   `.syntax` error with the line and column of the first byte that is not UTF-8.
  public static func read(_ path: String, limit: Int = WholeFile.maxTextBytes, what: String = "text file")
    throws(InputErrors) -> String
  {
    let data: Data
    do {
      data = try WholeFile.read(path, limit: limit, what: what)
    } catch {
      throw InputErrors([error])
    }
    return try InputText.decode(data, file: path)
  }
}

extension Scenario {
  /// Reads and validates a scenario file (YAML or JSON).
  ///
  /// ```swift
  /// let scenario = try Scenario.load(path: "scenarios/b2c.yaml")
  /// ```
  ///
  /// - Parameter path: The file to read; errors name it as given.
  /// - Returns: The validated scenario.
  /// - Throws: ``InputErrors`` with every problem in the file, in file order: `.io` when
  ///   the file cannot be read, `.syntax`, `.empty`, or the validation errors of
  ///   `Scenario.parse(text:file:)`.
  public static func load(path: String) throws(InputErrors) -> Scenario {
    try parse(text: TextFile.read(path, what: "scenario"), file: path)
  }
}

extension BudgetScenario {
  /// Whether a file looks like a budget scenario (a top-level `plans` key) rather than a
  /// scenario; `false` when it cannot be read.
  public static func isBudgetFile(path: String) -> Bool {
    guard let data = try? WholeFile.read(path, limit: WholeFile.maxTextBytes, what: "budget scenario") else {
      return false
    }
    return isBudgetText(String(decoding: data, as: UTF8.self))
  }

  /// Reads and validates a budget scenario, its model, (when named) its fit report and
  /// (with `start: { history: }`) its history file.
  ///
  /// - Parameter path: The budget file; errors name it as given.
  /// - Throws: ``InputErrors`` with every problem found: those of the budget file (in file
  ///   order), then those of the model file and of the fit report, each naming its file.
  public static func load(path: String) throws(InputErrors) -> BudgetScenario {
    try parse(text: TextFile.read(path, what: "budget scenario"), file: path, files: .disk)
  }
}

extension BudgetScenarioFiles {
  /// The files as they are on disk.
  public static var disk: BudgetScenarioFiles {
    BudgetScenarioFiles(
      model: { path in
        switch FileKind(path) {
        case .missing: return .missing
        case .directory: return .directory
        case .file:
          do throws(InputErrors) { return .loaded(try Scenario.load(path: path)) } catch { return .failed(error) }
        }
      },
      fit: { path, model in
        guard FileKind(path) != .missing else { return .missing }
        do throws(InputErrors) {
          return .loaded(try ParameterCovariance.load(path: path, model: model))
        } catch {
          return .failed(error)
        }
      },
      history: { path, model in HistoryEnd.state(path: path, model: model) })
  }
}

enum FileKind {
  case missing, directory, file

  init(_ path: String) {
    var isDirectory: ObjCBool = false
    if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
      self = .missing
    } else {
      self = isDirectory.boolValue ? .directory : .file
    }
  }
}

/// The end of a history: a `journey fit` report's `history_end` or a `journey simulate`
/// summary's `history_end` (in summaries written before it existed, `final` at period
/// `horizon`).
public enum HistoryEnd {
  /// The state a forecast continues from, read from the file at `path` against `model`.
  public static func state(path: String, model: Scenario) -> Result<StartState, BudgetScenarioFiles.HistoryProblem> {
    read(path).flatMap { data in
      do throws(InputError) {
        return try state(data: data, file: path, model: model)
      } catch {
        return .failure(.invalid(error))
      }
    }
  }

  /// The bytes of the history file at `path`: `.unreadable` when it is missing, a
  /// directory or cannot be read, `.invalid` past ``WholeFile/maxResultBytes``.
  static func read(_ path: String) -> Result<Data, BudgetScenarioFiles.HistoryProblem> {
    guard FileKind(path) == .file else { return .failure(.unreadable) }
    do {
      return .success(try WholeFile.read(path, limit: WholeFile.maxResultBytes, what: "fit report or simulation summary"))
    } catch {
      return .failure(error.kind == .limit ? .invalid(error) : .unreadable)
    }
  }

  /// Decodes the file as the result its `format` names (``FitFile`` or ``SummaryFile``)
  /// and reads its state against `model` (``StartStateFile/state(model:defaultForecastStart:)``):
  /// a fit's state stands at the log's last period and its forecast starts at the next;
  /// a summary's stands at, and its forecast starts at, the period after its run.
  public static func state(
    data: Data, file: String, model: Scenario
  ) throws(InputError) -> Result<StartState, BudgetScenarioFiles.HistoryProblem> {
    let stored: StartStateFile
    let next: (Int) -> Int
    switch JSONFile.header(of: data)?.format {
    case FitFile.formatName:
      let fit = try JSONFile.decode(FitFile.self, from: data, file: file)
      guard let end = fit.historyEnd else { return .failure(.noCounts) }
      stored = end.startState
      next = { $0 + 1 }
    default:
      let summary = try JSONFile.decode(SummaryFile.self, from: data, file: file)
      if let end = summary.historyEnd {
        stored = end
      } else if let final = summary.final {
        stored = StartStateFile(period: summary.horizon ?? 0, counts: final)
      } else {
        return .failure(.noCounts)
      }
      next = { $0 }
    }
    return stored.state(model: model, defaultForecastStart: next).mapError {
      .badState(kind: $0.kind, message: $0.message)
    }
  }

  /// Customers per phase name at the end of the history at `path` (the phase totals of
  /// ``state(path:model:)``, without a model).
  public static func counts(path: String) -> Result<[String: Double], BudgetScenarioFiles.HistoryProblem> {
    read(path).flatMap { data in
      do throws(InputError) {
        return try counts(data: data, file: path)
      } catch {
        return .failure(.invalid(error))
      }
    }
  }

  /// Decodes the file as the result its `format` names (``FitFile`` or ``SummaryFile``).
  public static func counts(data: Data, file: String) throws(InputError) -> Result<[String: Double], BudgetScenarioFiles.HistoryProblem> {
    switch JSONFile.header(of: data)?.format {
    case FitFile.formatName:
      let fit = try JSONFile.decode(FitFile.self, from: data, file: file)
      guard let end = fit.historyEnd else { return .failure(.noCounts) }
      return .success(end.counts.mapValues(Double.init))
    default:
      // A summary, or a file of another format: the summary's decoder names the problem.
      let summary = try JSONFile.decode(SummaryFile.self, from: data, file: file)
      guard let final = summary.historyEnd?.counts ?? summary.final else { return .failure(.noCounts) }
      return .success(final)
    }
  }
}

extension ParameterCovariance {
  /// Reads a fit report and checks its parameter covariance against `model`.
  ///
  /// A `journey fit` report (`format: journeykit-fit`) is decoded as ``FitFile`` first,
  /// so a report of another format version or with fields of the wrong type is rejected
  /// before its covariance is read; a hand-written covariance file without a `format`
  /// key (YAML or JSON, see `ParameterCovariance.parse(text:file:model:)`) is read as it is.
  ///
  /// - Throws: ``InputErrors`` naming the fit file, line, column and path of every problem.
  public static func load(path: String, model: Scenario) throws(InputErrors) -> ParameterCovariance {
    let text = try TextFile.read(path, limit: WholeFile.maxResultBytes, what: "fit report")
    let data = Data(text.utf8)
    if let header = JSONFile.header(of: data), header.format != nil || header.version != nil {
      do {
        _ = try JSONFile.decode(FitFile.self, from: data, file: path)
      } catch {
        throw InputErrors([error])
      }
    }
    return try parse(text: text, file: path, model: model)
  }
}
