import Yams

/// The currency money figures are in: an ISO 4217 alphabetic code (`EUR`, `USD`, `GBP`).
///
/// Scenario and budget files may name one with `currency: EUR`; it is carried into the
/// result files and shown on every money figure of `journey report`. Without it money is
/// shown as plain numbers. Only the code is stored; symbols are a matter of display.
///
/// ```swift
/// let eur = Currency.code("eur")   // "EUR"
/// let bad = Currency.code("EURO")  // nil
/// ```
public enum Currency {
  /// The ISO 4217 alphabetic codes of currencies in use (funds, metals and `XXX` excluded).
  public static let codes: Set<String> = Set(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN \
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS \
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW \
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD \
    NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD \
    SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS \
    VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
    """.split(separator: " ").map(String.init))

  /// The code in upper case when `text` is an active ISO 4217 code, else `nil`.
  public static func code(_ text: String) -> String? {
    let upper = text.uppercased()
    return codes.contains(upper) ? upper : nil
  }
}

extension NodeReader {
  /// A `currency:` value: an ISO 4217 code, returned in upper case.
  func currency(_ node: Node, _ path: String) -> String? {
    guard let text = name(node, path, what: "an ISO 4217 currency code") else { return nil }
    guard let code = Currency.code(text) else {
      error(
        .unknownName, at: node, path,
        "unknown currency \(InputError.echo(text)); expected an ISO 4217 code such as EUR, USD, GBP, JPY or CHF")
      return nil
    }
    return code
  }
}
