#include "ops/ingest_receipt.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "core/text.hpp"
#include "crypto/digests.hpp"
#include "crypto/ossl.hpp"
#include "ltsign/language.hpp"
#include "ltsign/version.hpp"
#include "xml/xml_doc.hpp"

namespace ltsign::ops {
namespace fs = std::filesystem;
namespace {

constexpr const char* k_vr = "http://uri.etsi.org/19102/v1.4.1#";
constexpr const char* k_dsig = "http://www.w3.org/2000/09/xmldsig#";
constexpr const char* k_receipt_object = "ingest-receipt-json";

std::size_t count_kind(const PackageCheck& p, PackageProblem::Kind kind) {
    return static_cast<std::size_t>(std::count_if(p.problems.begin(), p.problems.end(),
                                                  [&](const auto& x) { return x.kind == kind; }));
}

bool has_signature(const FileReport& f) {
    return std::any_of(f.signatures.begin(), f.signatures.end(),
                       [](const auto& s) { return s.type == EntryType::signature; });
}

std::string package_problems(const PackageCheck& p) {
    using K = PackageProblem::Kind;
    std::string out;
    const auto add = [&](K kind, std::string (*say)(const std::string&)) {
        if (const auto n = count_kind(p, kind); n > 0)
            out += (out.empty() ? "" : ", ") + say(std::to_string(n));
    };
    add(K::checksum_mismatch,
        [](const std::string& n) { return trf("{0} checksum mismatch(es)", {n}); });
    add(K::missing, [](const std::string& n) { return trf("{0} missing file(s)", {n}); });
    add(K::unlisted, [](const std::string& n) { return trf("{0} unlisted file(s)", {n}); });
    add(K::no_checksum,
        [](const std::string& n) { return trf("{0} file(s) without a usable checksum", {n}); });
    add(K::bad_reference,
        [](const std::string& n) { return trf("{0} reference(s) outside the package", {n}); });
    return out;
}

xmlNode* add(xmlNode* parent, xmlNs* ns, const char* name, const std::string& text = {}) {
    return xml::made(
        xmlNewTextChild(parent, ns, BAD_CAST name, text.empty() ? nullptr : BAD_CAST text.c_str()));
}

}  // namespace

void decide(IngestResult& r, IngestRequirement require) {
    const std::set<std::string> exempt(r.exempt_files.begin(), r.exempt_files.end());
    std::size_t unsigned_documents = 0;
    for (const auto& f : r.unsigned_files) unsigned_documents += !exempt.contains(f);
    std::size_t unreadable = 0, not_passed = 0;
    for (const auto& f : r.report.files) {
        if (!has_signature(f)) {
            unreadable += f.error.has_value();
            continue;
        }
        not_passed += f.indication != Indication::total_passed;
    }
    std::string why;
    const auto problems = r.package.is_package ? package_problems(r.package) : std::string();
    if (!problems.empty()) why = trf("the package does not match its METS ({0})", {problems});
    if (why.empty() && unsigned_documents > 0)
        why = trf("{0} document(s) carry no signature", {std::to_string(unsigned_documents)});
    if (why.empty() && unreadable > 0)
        why = trf("{0} signature file(s) cannot be read", {std::to_string(unreadable)});
    if (why.empty() && require == IngestRequirement::valid && not_passed > 0)
        why = trf("{0} signature file(s) did not pass validation", {std::to_string(not_passed)});
    const std::string policy = "require " + std::string(to_string(require));
    if (require == IngestRequirement::any) {
        r.accepted = true;
        r.decision = why.empty() ? trf("accepted ({0}: every delivery is accepted)", {policy})
                                 : trf("accepted ({0}: every delivery is accepted; recorded: {1})",
                                       {policy, why});
        return;
    }
    r.accepted = why.empty();
    r.decision =
        r.accepted ? trf("accepted ({0})", {policy}) : trf("refused ({0}): {1}", {policy, why});
}

core::Bytes etsi_receipt(const IngestResult& result, const core::Bytes& receipt_json) {
    const std::string text = result.report.to_etsi_xml();
    const xml::Doc doc = xml::parse(core::Bytes(text.begin(), text.end()), "the ETSI report");
    xmlNode* root = xmlDocGetRootElement(doc.get());
    xmlNs* vr = xmlSearchNsByHref(doc.get(), root, BAD_CAST k_vr);
    xmlNode* list = xml::child(root, k_vr, "SignatureValidationObjects");
    if (list == nullptr) {
        // TS 119 102-2: the object list comes before SignatureValidator.
        list =
            xml::made(xmlNewDocNode(doc.get(), vr, BAD_CAST "SignatureValidationObjects", nullptr));
        xmlNode* validator = xml::child(root, k_vr, "SignatureValidator");
        if (validator != nullptr) {
            xmlAddPrevSibling(validator, list);
        } else {
            xmlAddChild(root, list);
        }
    }
    // The JSON receipt as a validation object of type "other", by its digest: the XAdES
    // signature over this report then covers the JSON too.
    xmlNode* o = add(list, vr, "ValidationObject");
    xml::made(xmlNewProp(o, BAD_CAST "id", BAD_CAST k_receipt_object));
    add(o, vr, "ObjectType", "urn:etsi:019102:validationObject:other");
    xmlNode* rep = add(o, vr, "ValidationObjectRepresentation");
    add(rep, vr, "direct",
        "ltsign ingest receipt " + core::printable(result.package.container) + ": " +
            result.decision);
    xmlNode* digest = add(rep, vr, "DigestAlgAndValue");
    xmlNs* ds = xml::made(xmlNewNs(digest, BAD_CAST k_dsig, BAD_CAST "ds"));
    xmlNode* method = add(digest, ds, "DigestMethod");
    xml::made(xmlNewProp(method, BAD_CAST "Algorithm",
                         BAD_CAST "http://www.w3.org/2001/04/xmlenc#sha256"));
    add(digest, ds, "DigestValue",
        xml::base64_encode(crypto::digest_bytes(EVP_sha256(), receipt_json)));
    add(rep, vr, "URI", "receipt.json");
    return xml::serialize(doc.get(), true);
}

namespace {

xmlNode* receipt_object(xmlNode* node) {
    for (xmlNode* n = node; n != nullptr; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        if (xmlStrEqual(n->name, BAD_CAST "ValidationObject") &&
            xml::attribute(n, "id") == k_receipt_object)
            return n;
        if (xmlNode* found = receipt_object(n->children)) return found;
    }
    return nullptr;
}

std::string text_of(xmlNode* parent, const char* ns, const char* name) {
    xmlNode* n = parent ? xml::child(parent, ns, name) : nullptr;
    return n ? xml::text(n) : std::string();
}

}  // namespace

void note_receipt(const Input& in, std::vector<validation::SignatureFacts>& facts) {
    const std::string_view bytes(reinterpret_cast<const char*>(in.bytes->data()), in.bytes->size());
    if (facts.empty() || bytes.find(k_receipt_object) == std::string_view::npos) return;
    const xml::Doc doc = xml::parse(*in.bytes, in.what);
    xmlNode* object = receipt_object(xmlDocGetRootElement(doc.get()));
    xmlNode* rep = object ? xml::child(object, k_vr, "ValidationObjectRepresentation") : nullptr;
    if (rep == nullptr) return;
    const std::string recorded = text_of(rep, k_vr, "direct");
    const auto digest = xml::base64_decode(
        text_of(xml::child(rep, k_vr, "DigestAlgAndValue"), k_dsig, "DigestValue"));
    // Only a plain name beside the receipt: the receipt never points elsewhere.
    const std::string name = text_of(rep, k_vr, "URI");
    std::string about;
    std::optional<std::string> problem;
    const fs::path json = in.path.parent_path() / name;
    std::error_code ec;
    if (name.empty() || name.find('/') != std::string::npos || name.starts_with(".") ||
        !fs::is_regular_file(json, ec)) {
        about = "; the " + core::printable(name) + " it binds was not found beside it";
    } else if (crypto::digest_file(EVP_sha256(), json) == digest) {
        about = "; " + core::printable(name) + " beside it is the one it binds";
    } else {
        problem =
            trf("{0} beside the receipt is not the one its signature binds: it was changed after "
                "ingest",
                {core::printable(name)});
    }
    for (auto& f : facts) {
        f.notes.push_back({NoteCode::ingest_recorded, core::printable(recorded) + about});
        if (problem) f.constraints_problem = problem;
    }
}

}  // namespace ltsign::ops

namespace ltsign {

std::string_view to_string(IngestRequirement r) noexcept {
    switch (r) {
        case IngestRequirement::any:
            return "any";
        case IngestRequirement::signed_documents:
            return "signed";
        default:
            return "valid";
    }
}

std::string_view to_string(IngestSeal s) noexcept {
    return s == IngestSeal::package ? "package" : "per-file";
}

std::string_view to_string(PackageProblem::Kind k) noexcept {
    using K = PackageProblem::Kind;
    switch (k) {
        case K::checksum_mismatch:
            return "checksum-mismatch";
        case K::missing:
            return "missing";
        case K::unlisted:
            return "unlisted";
        case K::weak_checksum:
            return "weak-checksum";
        case K::no_checksum:
            return "no-checksum";
        default:
            return "bad-reference";
    }
}

bool PackageCheck::intact() const {
    return std::none_of(problems.begin(), problems.end(), [](const PackageProblem& p) {
        return p.kind != PackageProblem::Kind::weak_checksum;
    });
}

std::string to_json(const IngestResult& r) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : r.package.problems)
        problems.push_back(
            {{"kind", std::string(to_string(p.kind))}, {"path", p.path}, {"detail", p.detail}});
    nlohmann::json tokens = nlohmann::json::array();
    for (const auto& t : r.tokens) tokens.push_back(t.generic_string());
    const nlohmann::json out = {
        {"ingest",
         {{"tool", "ltsign " + std::string(version())},
          {"validationTime", format_rfc3339(r.report.validation_time)},
          {"accepted", r.accepted},
          {"decision", r.decision},
          {"require", std::string(to_string(r.require))},
          {"seal", std::string(to_string(r.seal))},
          {"policy", {{"name", r.report.policy_name}, {"sha256", r.report.policy_sha256}}}}},
        {"package",
         {{"isPackage", r.package.is_package},
          {"container", r.package.container},
          {"metsId", r.package.mets_id},
          {"listed", r.package.listed},
          {"verified", r.package.verified},
          {"problems", problems}}},
        {"unsignedFiles", r.unsigned_files},
        {"metadataFiles", r.exempt_files},
        {"tokens", tokens},
        {"tokenCount", r.token_count},
        {"report", nlohmann::json::parse(r.report.to_json())}};
    return out.dump(2) + "\n";
}

}  // namespace ltsign
