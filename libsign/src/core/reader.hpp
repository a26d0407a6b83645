// Bytes read in order from somewhere that is never held whole: a file, a ZIP entry.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

namespace ltsign::core {

class Reader {
  public:
    virtual ~Reader() = default;
    // Fills up to `buffer.size()` bytes and returns how many; 0 at the end. Error on failure
    // (Error(io) for a read error, Error(malformed_input) for content that breaks its format).
    virtual std::size_t read(std::span<unsigned char> buffer) = 0;
};

// A regular file. Error(input_missing) if it cannot be opened or is not a regular file.
std::unique_ptr<Reader> open_file(const std::filesystem::path& file);

// Bytes someone else keeps; they must outlive the reader.
std::unique_ptr<Reader> open_span(std::span<const unsigned char> bytes);

}  // namespace ltsign::core
