// An .svt file as verify reads it: each token is a signature by the archive's key (its x5c
// certificate, judged by the engine like any signer: chain, trust, revocation, algorithms), over
// the signature it names (RFC 9321 section 5: its value, Signed Bytes and signed data recomputed
// from the signature file given and compared with the token's hashes).
#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "ltsign/language.hpp"
#include "ops/formats.hpp"
#include "ops/svt.hpp"

namespace ltsign::ops {
namespace fs = std::filesystem;
namespace {

std::string ext_value(const std::string& claims, const char* key) {
    try {
        const auto j = nlohmann::json::parse(claims);
        const auto& ext = j.at("sig_val_claims").at("sig").at(0).at("ext");
        return ext.contains(key) && ext[key].is_string() ? ext[key].get<std::string>() : "";
    } catch (const std::exception&) {
        return {};
    }
}

// The delivery's root, from the signature file's path and the name the token gives it (ext
// "file", relative to the delivery); empty when the path does not end with that name.
std::optional<fs::path> delivery_root(const fs::path& signature, const std::string& name) {
    if (name.empty()) return std::nullopt;
    fs::path root = signature.lexically_normal();
    const fs::path rel = fs::path(name).lexically_normal();
    std::vector<fs::path> parts(rel.begin(), rel.end());
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        if (root.filename() != *it) return std::nullopt;
        root = root.parent_path();
    }
    return root;
}

// The detached document an XML signature's reference names (its URI, relative to the signature
// file): among the objects given, else beside the signature. Never outside its folder.
std::optional<fs::path> referenced_document(const ParsedSvt& token, const fs::path& signature,
                                            const validation::DataObjects& objects) {
    for (const auto& d : token.binding.data) {
        const fs::path ref(d.ref);
        if (d.ref.empty() || d.ref.front() == '#' || d.ref.find(':') != std::string::npos ||
            ref.is_absolute() ||
            std::any_of(ref.begin(), ref.end(), [](const fs::path& p) { return p == ".."; }))
            continue;
        for (const auto& o : objects) {
            if (o.file() && o.file()->filename() == ref.filename() && *o.file() != signature)
                return o.file();
        }
        std::error_code ec;
        const fs::path beside = signature.parent_path() / ref;
        if (fs::is_regular_file(beside, ec)) return beside;
    }
    return std::nullopt;
}

// The signed data a token names (ltsign's CMS profile: a detached document, by its path in the
// delivery; the XML profile: a detached reference's URI), looked for among the objects given and
// beside the signature.
std::optional<fs::path> named_document(const ParsedSvt& token, const fs::path& signature,
                                       const validation::DataObjects& objects) {
    if (token.binding.profile == "XML") return referenced_document(token, signature, objects);
    if (token.binding.data.empty() || token.binding.profile != k_svt_profile_cms)
        return std::nullopt;
    const std::string ref = token.binding.data.front().ref;
    if (ref == "eContent" || ref.empty()) return std::nullopt;
    for (const auto& o : objects) {
        if (o.file() && o.file()->filename() == fs::path(ref).filename() && *o.file() != signature)
            return o.file();
    }
    if (auto root = delivery_root(signature, ext_value(token.claims_json, "file"))) {
        std::error_code ec;
        if (fs::is_regular_file(*root / ref, ec)) return *root / ref;
    }
    return std::nullopt;
}

// RFC 9321 section 5 steps 3-5 for one token against the signature file.
validation::CheckResult binding_check(const ParsedSvt& token, const fs::path& signature,
                                      const validation::DataObjects& objects,
                                      std::vector<Note>& notes) {
    using validation::Check;
    const auto document = named_document(token, signature, objects);
    std::vector<SignatureBinding> found;
    try {
        found = bindings_of(signature, document,
                            token.binding.data.empty() ? "" : token.binding.data.front().ref);
    } catch (const Error& e) {
        return {Check::failed,
                trf("the signature it names cannot be read: {0}", {std::string(e.what())})};
    }
    const auto match = std::find_if(found.begin(), found.end(), [&](const SignatureBinding& b) {
        return b.sig_hash == token.binding.sig_hash;
    });
    if (match == found.end())
        return {
            Check::failed,
            trf("it binds another signature: no signature in {0} has the signature value it names",
                {core::printable(signature.filename())})};
    if (match->sb_hash != token.binding.sb_hash || match->profile != token.binding.profile)
        return {Check::failed, tr("the signature's signed bytes are not those it names")};
    if (match->data.size() != token.binding.data.size())
        return {Check::failed, tr("the signature signs other data than it names")};
    for (std::size_t i = 0; i < match->data.size(); ++i) {
        const auto& have = match->data[i];
        const auto& want = token.binding.data[i];
        if (have.ref != want.ref)
            return {Check::failed, trf("the signed data reference {0} differs", {want.ref})};
        if (have.hash.empty()) {
            notes.push_back(
                {NoteCode::not_checked,
                 trf("the signed document {0} was not given, so its hash in the token was not "
                     "compared; the token's binding to the signature itself was checked",
                     {core::printable(want.ref)})});
            continue;
        }
        if (have.hash != want.hash)
            return {Check::failed, trf("the signed data {0} has changed since the token was issued",
                                       {core::printable(want.ref)})};
    }
    return {Check::passed, {}};
}

validation::SignatureFacts token_facts(const std::string& line, const Input& in,
                                       const validation::DataObjects& objects) {
    validation::SignatureFacts f;
    f.type = EntryType::signature;
    f.digest_algorithm = "sha256";
    const ParsedSvt token = parse_svt(line);
    if (!token.x5c.empty()) {
        for (std::size_t i = 0; i < token.x5c.size(); ++i) {
            const unsigned char* p = token.x5c[i].data();
            ossl::Ptr<X509> cert(d2i_X509(nullptr, &p, static_cast<long>(token.x5c[i].size())));
            if (!cert) continue;
            if (i == 0) {
                f.signer_cert.reset(X509_dup(cert.get()));
                f.binding = validation::Binding::matches;
                f.binding_detail = tr("the token's x5c header names its signer");
            }
            f.certificates.push_back(std::move(cert));
        }
    }
    if (!f.signer_cert && token.problem.empty()) {
        f.format_problem = tr("the token's x5c certificate cannot be read");
        return f;
    }
    f.signature_algorithm = token.alg == "ES256"   ? "ecdsa-sha256"
                            : token.alg == "PS256" ? "rsa-pss-sha256"
                                                   : "rsa-sha256";
    if (!token.problem.empty()) {
        if (token.signature_fails) {
            f.signature_value = {validation::Check::failed,
                                 trf("the token's {0}", {token.problem})};
        } else {
            f.format_problem = trf("the token is malformed: {0}", {token.problem});
        }
        return f;
    }
    f.signature_value = {validation::Check::passed, {}};
    f.claimed_signing_time = token.issued_at;
    const auto signature = std::find_if(objects.begin(), objects.end(),
                                        [](const auto& o) { return o.file().has_value(); });
    if (signature == objects.end()) {
        f.data_digest = {validation::Check::not_possible,
                         tr("the signature the token names was not given (--data SIGNATURE)")};
    } else {
        f.data_digest = binding_check(token, *signature->file(), objects, f.notes);
    }
    const std::string file = ext_value(token.claims_json, "file");
    f.notes.push_back(
        {NoteCode::ingest_recorded,
         trf("the token records {0} for {1}{2}, issued by {3} at {4}",
             {token.result, file.empty() ? tr("its signature") : core::printable(file),
              (token.message.empty() ? "" : " (" + core::printable(token.message) + ")"),
              core::printable(token.issuer), format_rfc3339(*token.issued_at)})});
    (void)in;
    return f;
}

}  // namespace

Evidence svt_evidence(const Input& in, const validation::DataObjects& objects) {
    Evidence ev;
    ev.format = FileFormat::svt;
    for (const auto& line : svt_lines(*in.bytes))
        ev.signatures.push_back(token_facts(line, in, objects));
    if (ev.signatures.empty())
        throw Error(Errc::malformed_input, trf("{0}: holds no token", {in.what}));
    return ev;
}

}  // namespace ltsign::ops
