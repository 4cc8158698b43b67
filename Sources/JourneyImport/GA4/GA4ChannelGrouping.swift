import Foundation
import JourneyFormats
import JourneyModel

/// Google Analytics 4's default channel group, computed from a session's or event's
/// source, medium and campaign name.
///
/// The rules are applied in GA4's priority order; the first that matches names the
/// channel, and a traffic source that matches none is `Unassigned`. Matching ignores
/// case, as GA4 does. "Source matches a list of search sites" and its kin use
/// ``SourceCategories``: the site lists are data (a CSV of `source,category` rows) that a
/// user can print, edit and load again, since GA4 changes them from time to time.
///
/// | priority | channel | rule |
/// | --- | --- | --- |
/// | 1 | Direct | source is `(direct)` and medium is `(not set)`, `(none)` or empty |
/// | 2 | Cross-network | campaign contains `cross-network` |
/// | 3 | Paid Shopping | (shopping source or shopping campaign) and paid medium |
/// | 4 | Paid Search | search source and paid medium |
/// | 5 | Paid Social | social source and paid medium |
/// | 6 | Paid Video | video source and paid medium |
/// | 7 | Display | medium is `display`, `banner`, `expandable`, `interstitial` or `cpm` |
/// | 8 | Paid Other | paid medium |
/// | 9 | Organic Shopping | shopping source or shopping campaign |
/// | 10 | Organic Social | social source, or medium `social`, `social-network`, `social-media`, `sm`, `social network`, `social media` |
/// | 11 | Organic Video | video source, or medium contains `video` |
/// | 12 | Organic Search | search source, or medium `organic` |
/// | 13 | Email | source or medium `email`, `e-mail`, `e_mail`, `e mail` |
/// | 14 | Affiliates | medium `affiliate` |
/// | 15 | Referral | medium `referral`, `app` or `link` |
/// | 16 | Audio | medium `audio` |
/// | 17 | SMS | source or medium `sms` |
/// | 18 | Mobile Push Notifications | medium ends with `push`, or contains `mobile` or `notification`, or source `firebase` |
/// | 19 | Unassigned | anything else |
///
/// A paid medium matches `^(.*cp.*|ppc|retargeting|paid.*)$`; a shopping campaign matches
/// `^(.*(([^a-df-z]|^)shop|shopping).*)$`.
///
/// - Complexity: O(length of source, medium and campaign) per call; the category lookup
///   is one hash of the lower-cased source.
public struct GA4ChannelGrouping: Sendable {
  /// The channel groups in priority order.
  public enum Channel: String, CaseIterable, Sendable {
    case direct = "Direct"
    case crossNetwork = "Cross-network"
    case paidShopping = "Paid Shopping"
    case paidSearch = "Paid Search"
    case paidSocial = "Paid Social"
    case paidVideo = "Paid Video"
    case display = "Display"
    case paidOther = "Paid Other"
    case organicShopping = "Organic Shopping"
    case organicSocial = "Organic Social"
    case organicVideo = "Organic Video"
    case organicSearch = "Organic Search"
    case email = "Email"
    case affiliates = "Affiliates"
    case referral = "Referral"
    case audio = "Audio"
    case sms = "SMS"
    case mobilePush = "Mobile Push Notifications"
    case unassigned = "Unassigned"
  }

  public var categories: SourceCategories

  public init(categories: SourceCategories = .default) {
    self.categories = categories
  }

  /// The default channel group of a traffic source. `nil` or empty fields are "not set".
  public func channel(source: String?, medium: String?, campaign: String?) -> Channel {
    let source = (source ?? "").lowercased()
    let medium = (medium ?? "").lowercased()
    let campaign = (campaign ?? "").lowercased()
    let category = categories.category(of: source)
    if source == "(direct)" && (medium == "(none)" || medium == "(not set)" || medium.isEmpty) { return .direct }
    if campaign.contains("cross-network") { return .crossNetwork }
    let paid = Self.isPaidMedium(medium)
    let shoppingCampaign = Self.isShoppingCampaign(campaign)
    if paid {
      if category == .shopping || shoppingCampaign { return .paidShopping }
      if category == .search { return .paidSearch }
      if category == .social { return .paidSocial }
      if category == .video { return .paidVideo }
    }
    if ["display", "banner", "expandable", "interstitial", "cpm"].contains(medium) { return .display }
    if paid { return .paidOther }
    if category == .shopping || shoppingCampaign { return .organicShopping }
    if category == .social || ["social", "social-network", "social-media", "sm", "social network", "social media"].contains(medium) {
      return .organicSocial
    }
    if category == .video || medium.contains("video") { return .organicVideo }
    if category == .search || medium == "organic" { return .organicSearch }
    let mail = ["email", "e-mail", "e_mail", "e mail"]
    if mail.contains(source) || mail.contains(medium) { return .email }
    if medium == "affiliate" { return .affiliates }
    if medium == "referral" || medium == "app" || medium == "link" { return .referral }
    if medium == "audio" { return .audio }
    if source == "sms" || medium == "sms" { return .sms }
    if medium.hasSuffix("push") || medium.contains("mobile") || medium.contains("notification") || source == "firebase" {
      return .mobilePush
    }
    return .unassigned
  }

  /// `^(.*cp.*|ppc|retargeting|paid.*)$` on a lower-cased medium.
  static func isPaidMedium(_ m: String) -> Bool {
    m.contains("cp") || m == "ppc" || m == "retargeting" || m.hasPrefix("paid")
  }

  /// `^(.*(([^a-df-z]|^)shop|shopping).*)$` on a lower-cased campaign: `shopping`
  /// anywhere, or `shop` at the start or after a character that is not a letter from
  /// a–d or f–z (so "eshop" and "e-shop" match, "workshop" does not).
  static func isShoppingCampaign(_ c: String) -> Bool {
    if c.contains("shopping") { return true }
    let b = Array(c.utf8)
    guard b.count >= 4 else { return false }
    var i = 0
    while i + 4 <= b.count {
      if b[i] == UInt8(ascii: "s") && b[i + 1] == UInt8(ascii: "h") && b[i + 2] == UInt8(ascii: "o") && b[i + 3] == UInt8(ascii: "p") {
        if i == 0 { return true }
        let p = b[i - 1]
        let excluded = (p >= UInt8(ascii: "a") && p <= UInt8(ascii: "d")) || (p >= UInt8(ascii: "f") && p <= UInt8(ascii: "z"))
        if !excluded { return true }
      }
      i += 1
    }
    return false
  }
}

/// The site lists behind GA4's "source matches a list of search / social / shopping /
/// video sites": one category per source (lower-case host or short name, as GA4 records
/// it in `source`). Loaded from a `source,category` CSV (categories `search`, `social`,
/// `shopping`, `video`); ``defaultCSV`` is the built-in list, which
/// `journey import ga4 --print-source-categories` prints for editing.
public struct SourceCategories: Sendable, Equatable {
  public enum Category: String, CaseIterable, Sendable {
    case search, social, shopping, video
  }

  private var table: [String: Category]

  public init(_ table: [String: Category]) {
    self.table = Dictionary(uniqueKeysWithValues: table.map { ($0.key.lowercased(), $0.value) })
  }

  /// The category of a source: exact match, else the source without a leading `www.` or
  /// `m.` and without a trailing port, else its registrable part without the top-level
  /// domain (`google.de` → `google`, `l.facebook.com` → `facebook`).
  public func category(of source: String) -> Category? {
    if source.isEmpty { return nil }
    if let c = table[source] { return c }
    var host = Substring(source)
    if let colon = host.firstIndex(of: ":") { host = host[..<colon] }
    for prefix in ["www.", "m.", "l.", "lm.", "mobile."] where host.hasPrefix(prefix) {
      host = host.dropFirst(prefix.count)
    }
    if let c = table[String(host)] { return c }
    let labels = host.split(separator: ".")
    if labels.count >= 2 {
      // google.co.uk → google; search.yahoo.com → yahoo; facebook.com → facebook.
      let secondLevel: Set<Substring> = ["co", "com", "org", "net", "ac", "gov"]
      var k = labels.count - 2
      if k > 0 && secondLevel.contains(labels[k]) && labels[labels.count - 1].count == 2 { k -= 1 }
      if let c = table[String(labels[k])] { return c }
      if let c = table[labels[k...].joined(separator: ".")] { return c }
    }
    return nil
  }

  /// Every entry, sorted by category then source (the order ``csv`` writes).
  public var entries: [(source: String, category: Category)] {
    table.map { ($0.key, $0.value) }.sorted {
      ($0.category.rawValue, $0.source) < ($1.category.rawValue, $1.source)
    }
  }

  /// The list as a `source,category` CSV with a header, in the shared CSV writer's form
  /// (a field quoted when it holds a separator, a quote or a line break; a formula-like
  /// source guarded by `'`), which ``parse(csv:file:)`` reads back.
  public var csv: String {
    CSV.line(["source", "category"]) + entries.map { CSV.line([$0.source, $0.category.rawValue]) }.joined()
  }

  /// The most bytes a source list may have (what a whole-file read allows for text).
  public static let maxFileBytes = WholeFile.maxTextBytes

  /// Reads a `source,category` file (``parse(csv:file:)``) of at most ``maxFileBytes``.
  ///
  /// - Throws: ``InputErrors``: the file unreadable, too large, not UTF-8, or what
  ///   ``parse(csv:file:)`` reports.
  public static func load(path: String) throws(InputErrors) -> SourceCategories {
    try parse(csv: TextFile.read(path, limit: maxFileBytes, what: "source list"), file: path)
  }

  /// Parses a `source,category` CSV: a header `source,category` first (either case), then
  /// one row per source; a record whose first field starts with `#` is a comment, blank
  /// lines are skipped. Records are read by the shared CSV tokenizer (quotes, CR LF,
  /// spaces around fields, the formula guard of ``csv``); sources are compared lower-cased.
  ///
  /// - Throws: ``InputErrors`` naming the file, the line, the bad value and what was
  ///   expected: no header, a row without two fields or with an empty source, an unknown
  ///   category, a source listed under two categories, a malformed quote; up to 20.
  public static func parse(csv text: String, file: String) throws(InputErrors) -> SourceCategories {
    var table: [String: Category] = [:]
    var sawHeader = false
    var errors: [InputError] = []
    func fail(_ error: InputError) throws(InputErrors) {
      errors.append(error)
      if errors.count >= 20 { throw InputErrors(errors) }
    }
    try CSVReader.forEachRecord(bytes: Array(text.utf8), file: file) { (csv, b) throws(InputErrors) in
      let line = csv.line
      if csv.isMalformed { return try fail(InputError(.syntax, file: file, line: line, CSVTokenizer.malformedMessage)) }
      let fields = csv.texts(in: b)
      if fields.first?.hasPrefix("#") == true { return }
      let shown = InputError.echo(fields.joined(separator: ","))
      if !sawHeader {
        sawHeader = true
        guard fields.map({ $0.lowercased() }) == ["source", "category"] else {
          throw InputErrors(errors + [InputError(.missing, file: file, line: line, "header \(shown); expected source,category")])
        }
        return
      }
      guard fields.count == 2, !fields[0].isEmpty else {
        return try fail(InputError(.syntax, file: file, line: line, "\(shown) is not a row; expected source,category"))
      }
      guard let category = Category(rawValue: fields[1].lowercased()) else {
        return try fail(InputError(
          .unknownName, file: file, line: line,
          "unknown category \(InputError.echo(fields[1])); expected one of: search, social, shopping, video"))
      }
      let source = CSV.unneutralised(fields[0]).lowercased()
      if let earlier = table[source], earlier != category {
        return try fail(InputError(
          .duplicate, file: file, line: line,
          "source \(InputError.echo(source)) is listed as \(earlier.rawValue) and as \(category.rawValue); expected one category per source"))
      }
      table[source] = category
    }
    guard sawHeader else { throw InputErrors([InputError(.empty, file: file, line: 1, "empty file; expected a source,category header")]) }
    guard errors.isEmpty else { throw InputErrors(errors) }
    return SourceCategories(table)
  }

  /// The built-in list: the common sources of each kind GA4 recognises.
  public static let `default`: SourceCategories = {
    // The built-in text is valid by construction (a test parses it).
    (try? parse(csv: defaultCSV, file: "built-in source categories")) ?? SourceCategories([:])
  }()

  /// The built-in `source,category` list.
  public static let defaultCSV = """
    source,category
    # search engines
    google,search
    bing,search
    yahoo,search
    duckduckgo,search
    baidu,search
    yandex,search
    ecosia,search
    qwant,search
    startpage,search
    ask,search
    aol,search
    naver,search
    seznam,search
    brave,search
    search.brave.com,search
    perplexity,search
    perplexity.ai,search
    t-online,search
    web.de,search
    gmx,search
    msn,search
    so.com,search
    sogou,search
    daum,search
    # social networks
    facebook,social
    fb,social
    instagram,social
    ig,social
    linkedin,social
    lnkd.in,social
    twitter,social
    t.co,social
    x,social
    x.com,social
    pinterest,social
    reddit,social
    tiktok,social
    snapchat,social
    xing,social
    threads,social
    threads.net,social
    tumblr,social
    quora,social
    whatsapp,social
    telegram,social
    discord,social
    mastodon,social
    vk,social
    weibo,social
    line,social
    meta,social
    # shopping sites
    amazon,shopping
    ebay,shopping
    etsy,shopping
    shopify,shopping
    walmart,shopping
    idealo,shopping
    otto,shopping
    zalando,shopping
    aliexpress,shopping
    google shopping,shopping
    shopping.google.com,shopping
    rakuten,shopping
    kaufland,shopping
    geizhals,shopping
    billiger,shopping
    # video sites
    youtube,video
    youtu.be,video
    vimeo,video
    twitch,video
    dailymotion,video
    netflix,video
    wistia,video
    """
}
