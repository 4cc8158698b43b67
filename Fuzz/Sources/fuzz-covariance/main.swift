import FuzzSupport
import JourneyModel

/// The parameter covariance of a fit report (a budget file's `fit:`), against the fixed model.
fuzzMain { input in
  _ = try input.text.map { try ParameterCovariance.parse(text: $0, file: "fit.json", model: Fixtures.model) }
}
