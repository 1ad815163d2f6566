import Foundation

/// Text of an input file, decoded as UTF-8; a file that is not says where, like a compiler.
public enum SourceText {
  /// Reads `path`. A missing, unreadable or special file (a folder, a FIFO) is refused without
  /// blocking; invalid UTF-8 is reported at the line and column of the first bad byte.
  public static func read(_ path: String) throws(SourceError) -> String {
    var status = stat()
    guard stat(path, &status) == 0 else {
      throw SourceError(
        file: path, line: 1, column: 1, message: "cannot read the file: \(String(cString: strerror(errno)))")
    }
    guard status.st_mode & S_IFMT == S_IFREG else {
      let kind = status.st_mode & S_IFMT == S_IFDIR ? "a folder" : "not a regular file"
      throw SourceError(file: path, line: 1, column: 1, message: "cannot read the file: it is \(kind)")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SourceError(file: path, line: 1, column: 1, message: "cannot read the file")
    }
    return try decode([UInt8](data), file: path)
  }

  /// `bytes` as UTF-8 text, or the position of the first byte that is not valid UTF-8.
  public static func decode(_ bytes: [UInt8], file: String) throws(SourceError) -> String {
    if let text = String(validating: bytes, as: UTF8.self) { return text }
    var line = 1
    var column = 1
    var index = 0
    while index < bytes.count {
      let length = validSequenceLength(bytes, at: index)
      guard length > 0 else {
        throw SourceError(
          file: file, line: line, column: column,
          message: "invalid UTF-8 byte 0x\(String(bytes[index], radix: 16, uppercase: true))")
      }
      if bytes[index] == 0x0A {
        line += 1
        column = 1
      } else {
        column += 1
      }
      index += length
    }
    throw SourceError(file: file, line: line, column: column, message: "invalid UTF-8")
  }

  /// The length of the valid UTF-8 sequence starting at `index`, or 0.
  static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
    let lead = bytes[index]
    let length: Int
    switch lead {
    case 0x00...0x7F: return 1
    case 0xC2...0xDF: length = 2
    case 0xE0...0xEF: length = 3
    case 0xF0...0xF4: length = 4
    default: return 0
    }
    guard index + length <= bytes.count else { return 0 }
    return String(validating: bytes[index..<(index + length)], as: UTF8.self) == nil ? 0 : length
  }
}

extension SourceText {
  /// The folder part of a path (`.` for a bare name). Foundation's `deletingLastPathComponent`
  /// traps on one-character names, which users do type.
  public static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}
