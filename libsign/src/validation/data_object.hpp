// The signed data, in one shape for every extractor: a document a signature, a time-stamp token
// or an evidence record protects (EN 319 102-1 calls it the signed data object; RFC 4998 4.2 a
// data object). It is a file, bytes in memory, or only known digests; each digest is computed at
// most once, whoever asks: a CMS signature with several SignerInfos, the check that a given
// document is the content a signature carries, and every chain of an evidence record all share it.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/file_io.hpp"
#include "core/reader.hpp"
#include "crypto/ossl.hpp"

namespace ltsign::validation {

class DataObject {
  public:
    // Known by nothing (no content, no digest): whatever needs its hash cannot be checked.
    DataObject();
    // A file, streamed when a digest is asked for. Its name is the path as given.
    static DataObject from_file(const std::filesystem::path& file);
    // Bytes in memory (a signature value a time-stamp covers). They are kept with the object.
    static DataObject from_bytes(std::string name, core::Bytes bytes);
    // Bytes someone else keeps (the content a CMS signature carries, up to the size of the
    // signature file: not worth a copy). They must outlive the object and every copy of it.
    static DataObject borrowing(std::string name, std::span<const unsigned char> bytes);
    // Bytes in several parts someone else keeps (a PDF's byte range: the file but its signature),
    // hashed as one; `owner` keeps them alive as long as the object.
    static DataObject borrowing_parts(std::string name,
                                      std::vector<std::span<const unsigned char>> parts,
                                      std::shared_ptr<const void> owner);
    // Only digests (by digest NID), as archives often keep them instead of the document.
    static DataObject from_digests(std::string name, std::map<int, core::Bytes> digests);
    // A member of a container (an ASiC entry), named by its path there and read through `open`
    // each time its content is needed (streamed, never held whole).
    using Opener = std::function<std::unique_ptr<core::Reader>()>;
    static DataObject from_entry(std::string name, Opener open);

    // How messages name it: the path as given for a file.
    const std::string& name() const;
    // The file, for what must read it itself (xmlsec1 serving a detached reference).
    const std::optional<std::filesystem::path>& file() const;
    // Whether its bytes can be read (a file, bytes or an entry), not only digests.
    bool has_content() const;
    // A container entry (from_entry): a detached reference names it by its whole name().
    bool is_entry() const;
    // The content from its start (a file or an entry streamed, bytes borrowed).
    // Error(internal) when there is none.
    std::unique_ptr<core::Reader> open() const;

    // The digest with `md`: a known one, else the content hashed (once per algorithm); nullopt
    // when the object has neither. Error if the file cannot be read.
    std::optional<core::Bytes> digest(const EVP_MD* md) const;

    // RFC 6283 3.2.1: the digest of another form of the object (an XML document canonicalised by
    // the method `form`), computed by `compute` at most once per algorithm and form; nullopt when
    // the object has no such form. `compute` runs under the object's lock, so it must not ask
    // this object for digests. (The validation area does not parse XML: the caller brings that.)
    using FormDigest = std::optional<core::Bytes> (*)(const DataObject&, const EVP_MD*,
                                                      const std::string& form);
    std::optional<core::Bytes> form_digest(const EVP_MD* md, const std::string& form,
                                           FormDigest compute) const;

    // The content in pieces (a file in chunks, never whole). Error(internal) when there is none.
    void stream(const std::function<void(std::span<const unsigned char>)>& sink) const;
    // The whole content, for what must parse it. Error(malformed_input) when larger than
    // `max_size`, Error(internal) when there is none.
    core::Bytes read(std::uintmax_t max_size) const;

  private:
    struct State;
    explicit DataObject(std::shared_ptr<State> state);
    // Shared by copies, so what one copy hashed, every copy knows; a mutex guards the digests,
    // so copies may be used from several threads.
    std::shared_ptr<State> m_state;
};

using DataObjects = std::vector<DataObject>;

// The document a signature signs when it names none itself: the first data object that has
// content (a CMS signature has one; an XML signature's lone detached reference). nullptr if none.
const DataObject* first_document(const DataObjects& objects);

}  // namespace ltsign::validation
