import Glibc

/// One glibc iconv conversion descriptor, closed when the converter goes away.
///
/// A descriptor keeps shift state and must not be shared between threads, so a converter is `~Copyable` and lives
/// in the scope that opened it. The C library does the byte-level work for the code sets that Specific Character Set
/// names (ISO 8859, EUC, GB 18030…); the ISO 2022 escape handling is ours (`ISO2022Codec`).
struct IconvConverter: ~Copyable {
    /// What to do with input that the source code set cannot decode or the target cannot represent.
    enum InvalidInput {
        /// Skip the first byte of the sequence and write these bytes instead; a truncated sequence at the end of the
        /// input is replaced once.
        case replace([UInt8])
        /// Give up: `convert` returns nil.
        case fail
    }

    private let descriptor: iconv_t

    /// Opens a conversion between two code sets named as iconv names them ("UTF-8", "EUC-JP", "GB18030"…); nil when
    /// the C library does not know one of them (a system without its gconv modules, for instance).
    init?(from source: String, to target: String) {
        guard let descriptor = iconv_open(target, source), descriptor != iconv_t(bitPattern: -1) else { return nil }
        self.descriptor = descriptor
    }

    deinit {
        iconv_close(descriptor)
    }

    /// Converts the whole input from the start state, returning the target bytes; nil with `.fail` when some input
    /// cannot be converted, or when iconv reports an error it documents for no input (never expected).
    func convert(_ input: UnsafeRawBufferPointer, invalid: InvalidInput) -> [UInt8]? {
        _ = iconv(descriptor, nil, nil, nil, nil)
        guard let base = input.baseAddress, input.count > 0 else { return [] }
        // Every code set used here takes at most 4 bytes per character and at most 4 per input byte in UTF-8.
        var output = [UInt8](repeating: 0, count: input.count * 4 + 16)
        var written = 0
        var consumed = 0
        while consumed < input.count {
            if output.count - written < 16 { output.append(contentsOf: repeatElement(0, count: output.count)) }
            // Each pass consumes input, grows the output or returns, so the loop ends.
            var sourceLeft = input.count - consumed
            let (result, error) = output.withUnsafeMutableBytes { target -> (Int, Int32) in
                guard let targetBase = target.baseAddress else { return (-1, EINVAL) }
                var source: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer(
                    mutating: (base + consumed).assumingMemoryBound(to: CChar.self))
                var destination: UnsafeMutablePointer<CChar>? = (targetBase + written).assumingMemoryBound(
                    to: CChar.self)
                var targetLeft = target.count - written
                let result = iconv(descriptor, &source, &sourceLeft, &destination, &targetLeft)
                let error = result == -1 ? errno : 0
                written = target.count - targetLeft
                return (result, error)
            }
            consumed = input.count - sourceLeft
            if result != -1 { break }
            switch error {
            case E2BIG:
                output.append(contentsOf: repeatElement(0, count: output.count))
            case EILSEQ:
                guard case .replace(let replacement) = invalid else { return nil }
                output.replaceSubrange(written..<min(written + replacement.count, output.count), with: replacement)
                written += replacement.count
                consumed += 1
            case EINVAL:
                guard case .replace(let replacement) = invalid else { return nil }
                output.replaceSubrange(written..<min(written + replacement.count, output.count), with: replacement)
                written += replacement.count
                consumed = input.count
            default:
                return nil
            }
        }
        // Return a stateful target to its initial state (no-op for the targets used here).
        let flushed = output.withUnsafeMutableBytes { target -> Int in
            guard let targetBase = target.baseAddress else { return 0 }
            var destination: UnsafeMutablePointer<CChar>? = (targetBase + written).assumingMemoryBound(to: CChar.self)
            var targetLeft = target.count - written
            guard iconv(descriptor, nil, nil, &destination, &targetLeft) != -1 else { return 0 }
            return target.count - written - targetLeft
        }
        written += flushed
        output.removeSubrange(written...)
        return output
    }
}
