import Foundation
import JourneyFormats
import JourneyModel

/// Whether the result files in one folder come from related runs.
///
/// The rule, in order:
///
/// 1. Every file that names a model must name the same one. A file's model is its
///    `source.model_fingerprint` when it has one (`summary.json`, `forecast.json`, and
///    `optimize.json` when its writer sets it); files written before `source` existed are
///    compared by model name (`summary.json`'s `scenario`, the `model` of `forecast.json`
///    and `optimize.json`, the `scenario` of a model-based `attribution.json`). Two files
///    of different models are unrelated runs: the report refuses them.
/// 2. Files that name a currency must name the same one.
/// 3. `fit.json` carries no model name; its phases must be those of the other files (a
///    forecast or simulation of the model the fit wrote has them).
/// 4. A forecast and an optimisation of different budgets over one model are related: the
///    report shows them and says so (``Relation/notes``).
extension ReportInputs {
  /// What the report says about how the files relate.
  public struct Relation: Sendable, Equatable {
    /// Sentences for the page header, such as which budget each file is of.
    public var notes: [String] = []
  }

  /// A file's claim about its model: fingerprint when known, else name (and, for a
  /// budget's results, the budget's name, which a model-based attribution of that budget
  /// carries).
  struct ModelClaim {
    var file: String
    var name: String?
    var fingerprint: String?
    var budget: String? = nil

    var names: Set<String> { Set([name, budget].compactMap { $0 }) }
  }

  var modelClaims: [ModelClaim] {
    var claims: [ModelClaim] = []
    if let s = simulation {
      claims.append(.init(file: Self.simulationFile, name: s.source?.model ?? s.scenario, fingerprint: s.source?.modelFingerprint))
    }
    if let f = forecast {
      claims.append(
        .init(
          file: Self.forecastFile, name: f.source?.model ?? f.model, fingerprint: f.source?.modelFingerprint,
          budget: f.source?.name ?? f.scenario))
    }
    if let o = optimization {
      claims.append(
        .init(
          file: Self.optimizationFile, name: o.source?.model ?? o.model, fingerprint: o.source?.modelFingerprint,
          budget: o.source?.name ?? o.scenario))
    }
    if let m = attribution?.model {
      claims.append(.init(file: Self.attributionFile, name: m.scenario, fingerprint: nil))
    }
    return claims
  }

  /// The currency of the money figures: the first file's that names one.
  public var currency: String? {
    simulation?.currency ?? forecast?.currency ?? optimization?.currency
  }

  /// Checks that the files come from related runs (the rule above).
  ///
  /// - Parameter directory: The folder, named in errors.
  /// - Returns: What the header should say about how the files relate.
  /// - Throws: ``InputError`` `.notAllowed` naming the two files and what differs.
  public func checkRelated(directory: String = ".") throws -> Relation {
    let claims = modelClaims
    func path(_ file: String) -> String { URL(fileURLWithPath: directory).appendingPathComponent(file).path }
    func refuse(_ a: String, _ b: String, _ what: String) -> InputError {
      InputError(
        .notAllowed, file: path(b),
        "\(what); \(a) and \(b) come from unrelated runs: expected the results of one model in one folder "
          + "(write each run to its own --out folder, or report them separately)")
    }
    for (i, a) in claims.enumerated() {
      for b in claims[(i + 1)...] {
        if let fa = a.fingerprint, let fb = b.fingerprint {
          guard fa == fb else {
            let names = "model \(InputError.echo(a.name ?? "?")) (fingerprint \(fa)) in \(a.file), "
              + "model \(InputError.echo(b.name ?? "?")) (fingerprint \(fb)) in \(b.file)"
            throw refuse(a.file, b.file, names)
          }
        } else if let na = a.name, let nb = b.name, a.names.isDisjoint(with: b.names) {
          throw refuse(a.file, b.file, "model \(InputError.echo(na)) in \(a.file), model \(InputError.echo(nb)) in \(b.file)")
        }
      }
    }
    let currencies = [
      (Self.simulationFile, simulation?.currency), (Self.forecastFile, forecast?.currency),
      (Self.optimizationFile, optimization?.currency),
    ].compactMap { file, code in code.map { (file, $0) } }
    if let first = currencies.first, let other = currencies.first(where: { $0.1 != first.1 }) {
      throw refuse(first.0, other.0, "currency \(InputError.echo(first.1)) in \(first.0), \(InputError.echo(other.1)) in \(other.0)")
    }
    if let fit {
      let others = [
        (Self.simulationFile, simulation?.phases), (Self.forecastFile, forecast?.phases),
      ].compactMap { file, phases in phases.map { (file, $0) } }
      for (file, phases) in others where Set(phases) != Set(fit.phases) {
        throw refuse(
          file, Self.fitFile,
          "phases \(InputError.echo(phases.joined(separator: ", "))) in \(file), "
            + "\(InputError.echo(fit.phases.joined(separator: ", "))) in \(Self.fitFile)")
      }
    }
    var relation = Relation()
    if let f = forecast, let o = optimization, let fb = f.source?.name ?? f.scenario, let ob = o.source?.name ?? o.scenario,
      fb != ob
    {
      relation.notes.append(
        "\(Self.forecastFile) forecasts budget \(fb) and \(Self.optimizationFile) optimises budget \(ob), "
          + "both over model \(f.source?.model ?? f.model ?? o.model ?? "?").")
    }
    let unchecked = claims.filter { $0.fingerprint == nil && $0.name == nil }.map(\.file)
    if !unchecked.isEmpty && claims.count > 1 {
      relation.notes.append(
        "\(unchecked.joined(separator: ", ")) \(unchecked.count == 1 ? "names" : "name") no model, so the report "
          + "cannot check that \(unchecked.count == 1 ? "it comes" : "they come") from the same run as the others.")
    }
    return relation
  }
}
