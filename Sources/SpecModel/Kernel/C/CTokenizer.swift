/// A C token with its place in the file.
public struct CToken: Equatable, Sendable, CustomStringConvertible {
  public enum Kind: Equatable, Sendable {
    case identifier, number, string, character, punctuation
    /// A whole preprocessor line (`#define ...`), continuations joined.
    case preprocessor
  }

  public let kind: Kind
  public let text: String
  public var line: Int
  public let column: Int
  /// The file the token was written in, where it differs from the text tokenized (the
  /// preprocessor's output names each line's file; see `placed(byLineMarkers:)`).
  public var file: String? = nil

  public var description: String { text }

  /// `tokens` of a preprocessor's output, each placed at the file and line the output's line
  /// markers (`# 12 "path" 1`) give it; `name` says how to show a file's path.
  public static func placed(byLineMarkers tokens: [CToken], name: (String) -> String) -> [CToken] {
    var placed: [CToken] = []
    placed.reserveCapacity(tokens.count)
    var marker: (outputLine: Int, line: Int, file: String)?
    for token in tokens {
      if token.kind == .preprocessor {
        let parts = token.text.split(separator: " ", maxSplits: 3)
        if parts.count >= 3, parts[0] == "#", let line = Int(parts[1]), parts[2].hasPrefix("\"") {
          let path = parts[2].dropFirst().prefix { $0 != "\"" }
          marker = (token.line, line, name(String(path)))
        }
        placed.append(token)
        continue
      }
      var moved = token
      if let marker {
        moved.line = marker.line + token.line - marker.outputLine - 1
        moved.file = marker.file
      }
      placed.append(moved)
    }
    return placed
  }
}

/// Source text that cannot be tokenized or parsed, located like a compiler error.
public struct SourceError: Error, Equatable, Sendable, CustomStringConvertible {
  public let file: String
  public let line: Int
  public let column: Int
  public let message: String

  public init(file: String, line: Int, column: Int, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.message = message
  }

  public var description: String { "\(file):\(line):\(column): error: \(message)" }
}

/// Splits C source into tokens: comments dropped, backslash-newline continuations joined,
/// preprocessor lines kept whole. Enough C for the kernel files rvcheck reads.
public enum CTokenizer {
  /// Every multi-character operator, and each of its prefixes that is one too (`<<` of `<<=`).
  static let operators: Set<String> = [
    "##", "->", "==", "!=", "&&", "||", "<=", ">=", "<<", ">>", "<<=", ">>=", "+=", "-=", "*=", "/=", "%=",
    "&=", "|=", "^=", "++", "--", "..", "...",
  ]

  public static func tokenize(_ text: String, file: String) throws(SourceError) -> [CToken] {
    let characters = Array(text.unicodeScalars)
    var tokens: [CToken] = []
    var index = 0
    var line = 1
    var column = 1
    var atLineStart = true

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
      index + offset < characters.count ? characters[index + offset] : nil
    }
    func advance() {
      if characters[index] == "\n" {
        line += 1
        column = 1
        atLineStart = true
      } else {
        column += 1
      }
      index += 1
    }
    func skipContinuation() -> Bool {
      if peek() == "\\" && (peek(1) == "\n" || (peek(1) == "\r" && peek(2) == "\n")) {
        advance()
        if peek() == "\r" { advance() }
        advance()
        return true
      }
      return false
    }

    while index < characters.count {
      if skipContinuation() { continue }
      let character = characters[index]
      if character == "\n" {
        advance()
        continue
      }
      if character == " " || character == "\t" || character == "\r" || character == "\u{0C}" || character == "\u{0B}" {
        advance()
        continue
      }
      let startLine = line
      let startColumn = column
      // Comments.
      if character == "/" && peek(1) == "/" {
        while index < characters.count && characters[index] != "\n" {
          if !skipContinuation() { advance() }
        }
        continue
      }
      if character == "/" && peek(1) == "*" {
        advance()
        advance()
        var closed = false
        while index < characters.count {
          if characters[index] == "*" && peek(1) == "/" {
            advance()
            advance()
            closed = true
            break
          }
          advance()
        }
        if !closed {
          throw SourceError(file: file, line: startLine, column: startColumn, message: "unterminated /* comment")
        }
        continue
      }
      // Preprocessor lines.
      if character == "#" && atLineStart {
        var text = ""
        while index < characters.count && characters[index] != "\n" {
          if skipContinuation() {
            text.append(" ")
            continue
          }
          if characters[index] == "/" && peek(1) == "*" {
            advance()
            advance()
            while index < characters.count && !(characters[index] == "*" && peek(1) == "/") { advance() }
            if index < characters.count {
              advance()
              advance()
            }
            text.append(" ")
            continue
          }
          if characters[index] == "/" && peek(1) == "/" { break }
          text.unicodeScalars.append(characters[index])
          advance()
        }
        tokens.append(CToken(kind: .preprocessor, text: text, line: startLine, column: startColumn))
        continue
      }
      atLineStart = false
      if character.properties.isAlphabetic && character.isASCII || character == "_" {
        var text = ""
        while let next = peek(),
          next.isASCII && (next.properties.isAlphabetic || next.properties.numericType != nil || next == "_")
        {
          text.unicodeScalars.append(next)
          advance()
          _ = skipContinuation()
        }
        tokens.append(CToken(kind: .identifier, text: text, line: startLine, column: startColumn))
        continue
      }
      if character.isASCII && character.properties.numericType != nil {
        var text = ""
        while let next = peek(),
          next.isASCII
            && (next.properties.isAlphabetic || next.properties.numericType != nil || next == "_" || next == ".")
        {
          text.unicodeScalars.append(next)
          advance()
        }
        tokens.append(CToken(kind: .number, text: text, line: startLine, column: startColumn))
        continue
      }
      if character == "\"" || character == "'" {
        let quote = character
        var text = String(quote)
        advance()
        var closed = false
        while let next = peek(), next != "\n" {
          text.unicodeScalars.append(next)
          advance()
          if next == "\\", let escaped = peek() {
            text.unicodeScalars.append(escaped)
            advance()
            continue
          }
          if next == quote {
            closed = true
            break
          }
        }
        if !closed {
          throw SourceError(
            file: file, line: startLine, column: startColumn,
            message: "unterminated \(quote == "\"" ? "string" : "character") literal")
        }
        tokens.append(
          CToken(kind: quote == "\"" ? .string : .character, text: text, line: startLine, column: startColumn))
        continue
      }
      guard character.isASCII, character.value >= 0x21, character.value < 0x7F else {
        throw SourceError(
          file: file, line: startLine, column: startColumn,
          message: "unexpected character U+\(String(character.value, radix: 16, uppercase: true))")
      }
      // C's operators of two and three characters, longest first; everything else is one character.
      var text = String(character)
      advance()
      while let next = peek(), Self.operators.contains(text + String(next)) {
        text.unicodeScalars.append(next)
        advance()
      }
      tokens.append(CToken(kind: .punctuation, text: text, line: startLine, column: startColumn))
    }
    return tokens
  }
}
