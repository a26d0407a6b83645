#include "validation/data_object.hpp"

#include <algorithm>
#include <mutex>

#include "crypto/digests.hpp"
#include "ltsign/error.hpp"
#include "ltsign/language.hpp"

namespace ltsign::validation {
namespace {

// Reads bytes kept in several parts as one.
class PartsReader : public core::Reader {
  public:
    explicit PartsReader(std::vector<std::span<const unsigned char>> parts)
        : m_parts(std::move(parts)) {}
    std::size_t read(std::span<unsigned char> buffer) override {
        while (m_part < m_parts.size() && m_at == m_parts[m_part].size()) {
            ++m_part;
            m_at = 0;
        }
        if (m_part == m_parts.size()) return 0;
        const auto n = std::min(buffer.size(), m_parts[m_part].size() - m_at);
        std::copy_n(m_parts[m_part].begin() + static_cast<std::ptrdiff_t>(m_at), n, buffer.begin());
        m_at += n;
        return n;
    }

  private:
    std::vector<std::span<const unsigned char>> m_parts;
    std::size_t m_part = 0, m_at = 0;
};

}  // namespace

struct DataObject::State {
    std::string name;
    std::optional<std::filesystem::path> file;
    std::optional<core::Bytes> owned;                     // from_bytes
    std::optional<std::span<const unsigned char>> bytes;  // owned, or borrowed
    // Borrowed in parts (a PDF's byte range), kept alive by `owner`.
    std::vector<std::span<const unsigned char>> parts;
    std::shared_ptr<const void> owner;
    Opener entry;                        // from_entry
    std::mutex mutex;                    // guards the two maps
    std::map<int, core::Bytes> digests;  // by digest NID: given, or computed once
    std::map<std::pair<int, std::string>, std::optional<core::Bytes>> form_digests;
};

DataObject::DataObject() : m_state(std::make_shared<State>()) {}

DataObject::DataObject(std::shared_ptr<State> state) : m_state(std::move(state)) {}

DataObject DataObject::from_file(const std::filesystem::path& file) {
    auto s = std::make_shared<State>();
    s->name = file.string();
    s->file = file;
    return DataObject(std::move(s));
}

DataObject DataObject::from_bytes(std::string name, core::Bytes bytes) {
    auto s = std::make_shared<State>();
    s->name = std::move(name);
    s->owned = std::move(bytes);
    s->bytes = *s->owned;  // the state never moves (it lives behind a shared_ptr)
    return DataObject(std::move(s));
}

DataObject DataObject::borrowing(std::string name, std::span<const unsigned char> bytes) {
    auto s = std::make_shared<State>();
    s->name = std::move(name);
    s->bytes = bytes;
    return DataObject(std::move(s));
}

DataObject DataObject::borrowing_parts(std::string name,
                                       std::vector<std::span<const unsigned char>> parts,
                                       std::shared_ptr<const void> owner) {
    auto s = std::make_shared<State>();
    s->name = std::move(name);
    s->parts = std::move(parts);
    s->owner = std::move(owner);
    return DataObject(std::move(s));
}

DataObject DataObject::from_digests(std::string name, std::map<int, core::Bytes> digests) {
    auto s = std::make_shared<State>();
    s->name = std::move(name);
    s->digests = std::move(digests);
    return DataObject(std::move(s));
}

DataObject DataObject::from_entry(std::string name, Opener open) {
    auto s = std::make_shared<State>();
    s->name = std::move(name);
    s->entry = std::move(open);
    return DataObject(std::move(s));
}

const std::string& DataObject::name() const {
    return m_state->name;
}

const std::optional<std::filesystem::path>& DataObject::file() const {
    return m_state->file;
}

bool DataObject::has_content() const {
    return m_state->file || m_state->bytes || !m_state->parts.empty() || m_state->entry;
}

bool DataObject::is_entry() const {
    return static_cast<bool>(m_state->entry);
}

std::unique_ptr<core::Reader> DataObject::open() const {
    if (m_state->bytes) return core::open_span(*m_state->bytes);
    if (m_state->file) return core::open_file(*m_state->file);
    if (m_state->entry) return m_state->entry();
    if (!m_state->parts.empty()) return std::make_unique<PartsReader>(m_state->parts);
    throw Error(Errc::internal,
                trf("{0}: only its digests are known, not its bytes", {m_state->name}));
}

std::optional<core::Bytes> DataObject::digest(const EVP_MD* md) const {
    State& s = *m_state;
    const int nid = EVP_MD_get_type(md);
    std::lock_guard lock(s.mutex);
    if (auto it = s.digests.find(nid); it != s.digests.end()) return it->second;
    if (!has_content()) return std::nullopt;
    core::Bytes d;
    if (s.bytes) {
        d = crypto::digest_bytes(md, *s.bytes);
    } else if (s.file) {
        d = crypto::digest_file(md, *s.file);
    } else {
        crypto::Hasher hash(md);
        stream([&](std::span<const unsigned char> chunk) { hash.update(chunk); });
        d = hash.final();
    }
    return s.digests.emplace(nid, std::move(d)).first->second;
}

std::optional<core::Bytes> DataObject::form_digest(const EVP_MD* md, const std::string& form,
                                                   FormDigest compute) const {
    State& s = *m_state;
    const std::pair key{EVP_MD_get_type(md), form};
    std::lock_guard lock(s.mutex);
    if (auto it = s.form_digests.find(key); it != s.form_digests.end()) return it->second;
    return s.form_digests.emplace(key, compute(*this, md, form)).first->second;
}

void DataObject::stream(const std::function<void(std::span<const unsigned char>)>& sink) const {
    if (m_state->bytes) {
        sink(*m_state->bytes);
    } else if (!m_state->parts.empty()) {
        for (const auto& part : m_state->parts) sink(part);
    } else if (m_state->file) {
        core::stream_file(*m_state->file, sink);
    } else if (m_state->entry) {
        const auto reader = m_state->entry();
        std::vector<unsigned char> buffer(1 << 20);
        while (const std::size_t n = reader->read(buffer)) sink({buffer.data(), n});
    } else {
        throw Error(Errc::internal,
                    trf("{0}: only its digests are known, not its bytes", {m_state->name}));
    }
}

core::Bytes DataObject::read(std::uintmax_t max_size) const {
    if (m_state->file) return core::read_file(*m_state->file, max_size);
    if (m_state->entry) {
        core::Bytes out;
        stream([&](std::span<const unsigned char> chunk) {
            if (out.size() + chunk.size() > max_size)
                throw Error(Errc::malformed_input,
                            trf("{0}: larger than ltsign reads whole", {m_state->name}));
            out.insert(out.end(), chunk.begin(), chunk.end());
        });
        return out;
    }
    if (!m_state->bytes)
        throw Error(Errc::internal,
                    trf("{0}: only its digests are known, not its bytes", {m_state->name}));
    if (m_state->bytes->size() > max_size)
        throw Error(Errc::malformed_input,
                    trf("{0}: larger than ltsign reads whole", {m_state->name}));
    return core::Bytes(m_state->bytes->begin(), m_state->bytes->end());
}

const DataObject* first_document(const DataObjects& objects) {
    for (const auto& o : objects) {
        if (o.has_content()) return &o;
    }
    return nullptr;
}

}  // namespace ltsign::validation
