// Evidence records under attack (review issue 11): hostile records that blow up memory, weak
// hash algorithms that nothing judged (an MD5 collision passed for the other file), and proof
// dated after the validation time. Records are built here byte by byte (DER written by hand,
// tokens signed in-process with the test TSA's key at fixed times), independent of the writer.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "helpers.hpp"
#include "test_pki.hpp"

namespace ltsign {
namespace {
namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;
using test::pki;
using test::q;

// ---- DER, written by hand -------------------------------------------------------------------

Bytes tlv(unsigned char tag, const Bytes& content) {
    Bytes out{tag};
    const std::size_t n = content.size();
    if (n < 0x80) {
        out.push_back(static_cast<unsigned char>(n));
    } else {
        Bytes len;
        for (std::size_t v = n; v != 0; v >>= 8) len.insert(len.begin(), v & 0xff);
        out.push_back(static_cast<unsigned char>(0x80 | len.size()));
        out.insert(out.end(), len.begin(), len.end());
    }
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

Bytes oid_der(const EVP_MD* md) {
    const ASN1_OBJECT* obj = OBJ_nid2obj(EVP_MD_get_type(md));
    Bytes out(static_cast<std::size_t>(i2d_ASN1_OBJECT(obj, nullptr)));
    unsigned char* p = out.data();
    i2d_ASN1_OBJECT(obj, &p);
    return out;
}

Bytes digest(const EVP_MD* md, const Bytes& data) {
    Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
    return out;
}

// ArchiveTimeStamp ::= SEQUENCE { digestAlgorithm [0] ..., reducedHashtree [2] ..., timeStamp }
Bytes stamp_der(const EVP_MD* md, const Bytes& token, const Bytes& reduced_tree_content = {}) {
    Bytes content = tlv(0xa0, oid_der(md));
    if (!reduced_tree_content.empty()) content = cat({content, tlv(0xa2, reduced_tree_content)});
    return tlv(0x30, cat({content, token}));
}

// EvidenceRecord ::= SEQUENCE { version 1, digestAlgorithms, archiveTimeStampSequence }
Bytes record_der(const std::vector<const EVP_MD*>& mds, const Bytes& sequence_content) {
    Bytes algs;
    for (const EVP_MD* md : mds) algs = cat({algs, tlv(0x30, oid_der(md))});
    return tlv(0x30, cat({Bytes{0x02, 0x01, 0x01}, tlv(0x30, algs), tlv(0x30, sequence_content)}));
}

// ---- RFC 3161 tokens signed here with the test TSA's key, at a chosen time, with any imprint
// algorithm (the project's TSA refuses MD5, as it should; records from 2003 still carry it).

struct FixedTime {
    long seconds;
};

int fixed_time_cb(TS_RESP_CTX*, void* data, long* sec, long* usec) {
    *sec = static_cast<const FixedTime*>(data)->seconds;
    *usec = 0;
    return 1;
}

ASN1_INTEGER* serial_cb(TS_RESP_CTX*, void*) {
    static long serial = 1000;
    ASN1_INTEGER* s = ASN1_INTEGER_new();
    ASN1_INTEGER_set(s, ++serial);
    return s;
}

template <class T, void (*F)(T*)>
struct Free {
    void operator()(T* p) const { F(p); }
};
template <class T, void (*F)(T*)>
using Own = std::unique_ptr<T, Free<T, F>>;

Bytes make_token(const EVP_MD* md, const Bytes& imprint, const char* gen_time) {
    Own<BIO, BIO_free_all> key_bio(BIO_new_file(pki("tsa.key").c_str(), "r"));
    Own<EVP_PKEY, EVP_PKEY_free> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr,
                                                             const_cast<char*>(test::k_password)));
    Own<BIO, BIO_free_all> cert_bio(BIO_new_file(pki("tsa.pem").c_str(), "r"));
    Own<X509, X509_free> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    Own<BIO, BIO_free_all> chain_bio(BIO_new_file(pki("chain.pem").c_str(), "r"));
    Own<X509, X509_free> ca(PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr));
    EXPECT_TRUE(key && cert && ca);

    Own<TS_REQ, TS_REQ_free> req(TS_REQ_new());
    Own<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free> mi(TS_MSG_IMPRINT_new());
    Own<X509_ALGOR, X509_ALGOR_free> alg(X509_ALGOR_new());
    X509_ALGOR_set0(alg.get(), OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, nullptr);
    TS_MSG_IMPRINT_set_algo(mi.get(), alg.get());
    TS_MSG_IMPRINT_set_msg(mi.get(), const_cast<unsigned char*>(imprint.data()),
                           static_cast<int>(imprint.size()));
    TS_REQ_set_version(req.get(), 1);
    TS_REQ_set_msg_imprint(req.get(), mi.get());
    TS_REQ_set_cert_req(req.get(), 1);
    Own<BIO, BIO_free_all> req_bio(BIO_new(BIO_s_mem()));
    i2d_TS_REQ_bio(req_bio.get(), req.get());

    FixedTime when{static_cast<long>(std::chrono::system_clock::to_time_t(test::t(gen_time)))};
    Own<TS_RESP_CTX, TS_RESP_CTX_free> ctx(TS_RESP_CTX_new());
    TS_RESP_CTX_set_signer_cert(ctx.get(), cert.get());
    TS_RESP_CTX_set_signer_key(ctx.get(), key.get());
    STACK_OF(X509)* certs = sk_X509_new_null();
    sk_X509_push(certs, ca.get());
    TS_RESP_CTX_set_certs(ctx.get(), certs);
    sk_X509_free(certs);
    Own<ASN1_OBJECT, ASN1_OBJECT_free> policy(OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1));
    TS_RESP_CTX_set_def_policy(ctx.get(), policy.get());
    TS_RESP_CTX_add_md(ctx.get(), md);
    TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256());
    TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256());
    TS_RESP_CTX_set_serial_cb(ctx.get(), serial_cb, nullptr);
    TS_RESP_CTX_set_time_cb(ctx.get(), fixed_time_cb, &when);
    Own<TS_RESP, TS_RESP_free> resp(TS_RESP_create_response(ctx.get(), req_bio.get()));
    EXPECT_TRUE(resp);
    EXPECT_EQ(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get()))),
              TS_STATUS_GRANTED);
    PKCS7* token = TS_RESP_get_token(resp.get());
    Bytes out(static_cast<std::size_t>(i2d_PKCS7(token, nullptr)));
    unsigned char* p = out.data();
    i2d_PKCS7(token, &p);
    return out;
}

// ---- running `ltsign verify` as a child and measuring it -----------------------------------

struct Measured {
    int exit_code = -1;
    long max_rss_kib = 0;
    double seconds = 0;
    std::string out;
};

Measured measure(const std::vector<std::string>& args, const fs::path& out_file) {
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        const int fd = ::open(out_file.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
        dup2(fd, 1);
        const int null = ::open("/dev/null", O_WRONLY);
        dup2(null, 2);
        std::vector<char*> argv{const_cast<char*>(LTSIGN_BINARY)};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(LTSIGN_BINARY, argv.data());
        _exit(127);
    }
    Measured m;
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);  // this child alone, not every child the test made
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    m.max_rss_kib = usage.ru_maxrss;
    std::ifstream in(out_file);
    m.out.assign(std::istreambuf_iterator<char>(in), {});
    return m;
}

// Peak memory allowed for verifying a record of `input` bytes: a small multiple of the input
// plus the process's fixed cost (libraries, OpenSSL, libxml2).
long bound_kib(std::size_t input) {
    return static_cast<long>((10 * input + (64u << 20)) / 1024) * test::k_sanitizer_memory_factor;
}

// ---- memory ----------------------------------------------------------------------------------

// RFC 6283 4.2.2 hashes the sequence of chains [0, i) for every chain i: done by copying that
// prefix each time, 4,000 small chains (1.3 MB) took gigabytes.
TEST(ErsHardening, XmlRecordWithThousandsOfChainsStaysLinear) {
    test::TempDir dir;
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<EvidenceRecord xmlns=\"urn:ietf:params:xml:ns:ers\" Version=\"1.0\">"
        "<ArchiveTimeStampSequence>\n";
    for (int i = 1; xml.size() < 1300000; ++i) {
        xml += "<ArchiveTimeStampChain Order=\"" + std::to_string(i) +
               "\"><DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>"
               "<CanonicalizationMethod "
               "Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>"
               "<ArchiveTimeStamp Order=\"1\"><TimeStamp><TimeStampToken "
               "Type=\"RFC3161\">MAA=</TimeStampToken></TimeStamp></ArchiveTimeStamp>"
               "</ArchiveTimeStampChain>\n";
    }
    xml += "</ArchiveTimeStampSequence></EvidenceRecord>\n";
    test::write_text(dir / "doc.txt", "document\n");
    test::write_text(dir / "doc.txt.ers.xml", xml);
    const auto m =
        measure({"verify", (dir / "doc.txt.ers.xml").string(), "--data", (dir / "doc.txt").string(),
                 "--trust", pki("root.pem").string(), "--at", "2026-12-01T00:00:00Z"},
                dir / "out.txt");
    std::cout << "hostile XML record, " << xml.size() << " bytes: peak RSS " << m.max_rss_kib
              << " KiB, " << m.seconds << " s\n";
    EXPECT_NE(m.exit_code, 0) << m.out;  // the tokens are not tokens: it must fail, not pass
    EXPECT_NE(m.exit_code, -1) << "killed";
    EXPECT_LT(m.max_rss_kib, bound_kib(xml.size()));
    EXPECT_LT(m.seconds, 10.0 * test::k_sanitizer_time_factor);
}

// A DER record with one stamp whose reduced hash tree has `lists` levels: a valid record (the
// token covers the root the tree leads to) of about 36 bytes per level.
void large_der_record_verifies(std::size_t target_bytes) {
    test::TempDir dir;
    const Bytes document{'l', 'a', 'r', 'g', 'e', '\n'};
    test::write_bytes(dir / "doc.txt", document);
    const EVP_MD* md = EVP_sha256();
    Bytes value = digest(md, document);
    Bytes tree = tlv(0x30, tlv(0x04, value));
    tree.reserve(target_bytes + 64);
    for (std::size_t i = 0; tree.size() < target_bytes; ++i) {
        Bytes sibling = value;
        sibling[0] ^= static_cast<unsigned char>(i);
        sibling[1] ^= static_cast<unsigned char>(i >> 8);
        sibling[2] ^= 0x5a;
        const Bytes list = tlv(0x30, tlv(0x04, sibling));
        tree.insert(tree.end(), list.begin(), list.end());
        // RFC 4998 4.3: the two hashes sorted binary ascending, concatenated, hashed.
        value = std::min(value, sibling) == value ? digest(md, cat({value, sibling}))
                                                  : digest(md, cat({sibling, value}));
    }
    const Bytes token = make_token(md, value, "2026-06-01T12:05:00Z");
    const Bytes record = record_der({md}, tlv(0x30, stamp_der(md, token, tree)));
    tree = Bytes();
    test::write_bytes(dir / "doc.txt.ers", record);
    const auto m =
        measure({"verify", (dir / "doc.txt.ers").string(), "--data", (dir / "doc.txt").string(),
                 "--trust", pki("root.pem").string(), "--at", "2026-12-01T00:00:00Z"},
                dir / "out.txt");
    std::cout << "large DER record, " << record.size() << " bytes: peak RSS " << m.max_rss_kib
              << " KiB, " << m.seconds << " s\n";
    EXPECT_EQ(m.exit_code, 0) << m.out;
    EXPECT_LT(m.max_rss_kib, bound_kib(record.size()));
    EXPECT_LT(m.seconds, 10.0 * test::k_sanitizer_time_factor);
}

TEST(ErsHardening, LargeDerRecordVerifiesInASmallMultipleOfItsSize) {
    large_der_record_verifies(32u << 20);
}

// Millions of tiny nodes (one-byte "hashes"): each cost a vector and a heap block, about 36 times
// the input. No digest is one byte long: refused at once, in a small multiple of the input.
TEST(ErsHardening, DerRecordOfMillionsOfTinyNodesIsRefusedCheaply) {
    test::TempDir dir;
    const EVP_MD* md = EVP_sha256();
    test::write_text(dir / "doc.txt", "document\n");
    Bytes tree;
    tree.reserve((32u << 20) + 64);
    while (tree.size() < (32u << 20)) {
        const Bytes list{0x30, 0x03, 0x04, 0x01, static_cast<unsigned char>(tree.size())};
        tree.insert(tree.end(), list.begin(), list.end());
    }
    const Bytes token = make_token(md, digest(md, {'x'}), "2026-06-01T12:05:00Z");
    const Bytes record = record_der({md}, tlv(0x30, stamp_der(md, token, tree)));
    tree = Bytes();
    test::write_bytes(dir / "doc.txt.ers", record);
    const auto m =
        measure({"verify", (dir / "doc.txt.ers").string(), "--data", (dir / "doc.txt").string(),
                 "--trust", pki("root.pem").string(), "--at", "2026-12-01T00:00:00Z"},
                dir / "out.txt");
    std::cout << "DER record of tiny nodes, " << record.size() << " bytes: peak RSS "
              << m.max_rss_kib << " KiB, " << m.seconds << " s\n";
    EXPECT_EQ(m.exit_code, 65) << m.out;
    EXPECT_LT(m.max_rss_kib, bound_kib(record.size()));
    EXPECT_LT(m.seconds, 10.0 * test::k_sanitizer_time_factor);
}

// ---- weak algorithms -------------------------------------------------------------------------

// Wang and Yu's 2004 MD5 collision: two 128-byte blocks, one MD5, two SHA-256.
Bytes from_hex(const std::string& hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}
const Bytes k_collision_a = from_hex(
    "d131dd02c5e6eec4693d9a0698aff95c2fcab58712467eab4004583eb8fb7f89"
    "55ad340609f4b30283e488832571415a085125e8f7cdc99fd91dbdf280373c5b"
    "d8823e3156348f5bae6dacd436c919c6dd53e2b487da03fd02396306d248cda0"
    "e99f33420f577ee8ce54b67080a80d1ec69821bcb6a8839396f9652b6ff72a70");
const Bytes k_collision_b = from_hex(
    "d131dd02c5e6eec4693d9a0698aff95c2fcab50712467eab4004583eb8fb7f89"
    "55ad340609f4b30283e4888325f1415a085125e8f7cdc99fd91dbd7280373c5b"
    "d8823e3156348f5bae6dacd436c919c6dd53e23487da03fd02396306d248cda0"
    "e99f33420f577ee8ce54b67080280d1ec69821bcb6a8839396f965ab6ff72a70");

class ErsPolicy : public ::testing::Test {
  protected:
    void SetUp() override {
        test::write_bytes(dir / "a.bin", k_collision_a);
        test::write_bytes(dir / "b.bin", k_collision_b);
    }
    // One chain: the document's MD5 (no tree: the token's imprint is the hash itself).
    Bytes md5_chain(const Bytes& document, const char* when) {
        const Bytes token = make_token(EVP_md5(), digest(EVP_md5(), document), when);
        return tlv(0x30, stamp_der(EVP_md5(), token));
    }
    // RFC 4998 5.2: hash-tree renewal with SHA-256 over the document and all earlier chains.
    Bytes sha256_renewal(const Bytes& document, const Bytes& earlier_chains, const char* when) {
        const EVP_MD* md = EVP_sha256();
        const Bytes ha = digest(md, tlv(0x30, earlier_chains));
        const Bytes leaf = digest(md, cat({digest(md, document), ha}));
        return tlv(0x30, stamp_der(md, make_token(md, leaf, when)));
    }
    test::RunResult verify(const fs::path& record, const fs::path& data, const char* at,
                           const std::string& policy_json = "") {
        std::string extra;
        if (!policy_json.empty()) {
            test::write_text(dir / "policy.json", policy_json);
            extra = " --policy " + q(dir / "policy.json");
        }
        return test::ltsign("verify " + q(record) + " --data " + q(data) + " --trust " +
                            q(pki("root.pem")) + " --at " + at + " --json" + extra);
    }
    static nlohmann::json entry(const test::RunResult& r) {
        return nlohmann::json::parse(r.out)["files"][0]["signatures"][0];
    }
    test::TempDir dir;
};

TEST_F(ErsPolicy, CollisionBlocksCollide) {
    EXPECT_EQ(digest(EVP_md5(), k_collision_a), digest(EVP_md5(), k_collision_b));
    EXPECT_NE(digest(EVP_sha256(), k_collision_a), digest(EVP_sha256(), k_collision_b));
}

// The record was made for a.bin; b.bin has the same MD5. MD5 ended long before the validation
// time and nothing renewed the record, so it proves nothing about either file.
TEST_F(ErsPolicy, Md5RecordDoesNotPassForTheCollidingFile) {
    test::write_bytes(dir / "a.ers",
                      record_der({EVP_md5()}, md5_chain(k_collision_a, "2026-06-01T12:05:00Z")));
    for (const char* data : {"b.bin", "a.bin"}) {
        const auto r = verify(dir / "a.ers", dir / data, "2026-12-01T00:00:00Z");
        EXPECT_EQ(r.exit_code, 2) << data << ": " << r.out;
        const auto e = entry(r);
        EXPECT_EQ(e["indication"], "INDETERMINATE");
        EXPECT_EQ(e["subIndication"], "CRYPTO_CONSTRAINTS_FAILURE_NO_POE");
        const std::string why = e["explanation"];
        EXPECT_NE(why.find("md5"), std::string::npos) << why;
        EXPECT_NE(why.find("2004-01-01"), std::string::npos) << why;
        EXPECT_NE(why.find("hash tree"), std::string::npos) << why;
    }
}

// SHA-1 likewise (its default end: 2009).
TEST_F(ErsPolicy, Sha1RecordVerifiedNowIsNotPassed) {
    const Bytes token =
        make_token(EVP_sha1(), digest(EVP_sha1(), k_collision_a), "2026-06-01T12:05:00Z");
    test::write_bytes(dir / "a.ers",
                      record_der({EVP_sha1()}, tlv(0x30, stamp_der(EVP_sha1(), token))));
    const auto r = verify(dir / "a.ers", dir / "a.bin", "2026-12-01T00:00:00Z");
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_EQ(entry(r)["subIndication"], "CRYPTO_CONSTRAINTS_FAILURE_NO_POE");
}

// A hash-tree renewal with SHA-256 while MD5 was still acceptable keeps the proof (RFC 4998
// 5.2, EN 319 102-1 POE): the MD5 chain is judged when the SHA-256 chain superseded it.
TEST_F(ErsPolicy, Sha256RenewalBeforeTheMd5EndKeepsTheProof) {
    const std::string policy = R"({"algorithms": {"md5": "2026-07-01T00:00:00Z"}})";
    const Bytes chain1 = md5_chain(k_collision_a, "2026-06-01T12:05:00Z");
    const Bytes chain2 = sha256_renewal(k_collision_a, chain1, "2026-06-15T00:00:00Z");
    test::write_bytes(dir / "a.ers", record_der({EVP_md5(), EVP_sha256()}, cat({chain1, chain2})));
    auto r = verify(dir / "a.ers", dir / "a.bin", "2026-12-01T00:00:00Z", policy);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    const auto algorithms = entry(r)["algorithms"].dump();
    EXPECT_NE(algorithms.find("md5"), std::string::npos) << algorithms;
    EXPECT_NE(algorithms.find("sha256"), std::string::npos) << algorithms;
    // The colliding file is caught by the SHA-256 chain.
    r = verify(dir / "a.ers", dir / "b.bin", "2026-12-01T00:00:00Z", policy);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    // Without the renewal, the same policy refuses the MD5 record after 2026-07-01 ...
    test::write_bytes(dir / "only-md5.ers", record_der({EVP_md5()}, chain1));
    r = verify(dir / "only-md5.ers", dir / "a.bin", "2026-12-01T00:00:00Z", policy);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    // ... and accepts it before.
    r = verify(dir / "only-md5.ers", dir / "a.bin", "2026-06-20T00:00:00Z", policy);
    EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(ErsPolicy, Sha256RenewalAfterTheMd5EndIsTooLate) {
    const std::string policy = R"({"algorithms": {"md5": "2026-06-10T00:00:00Z"}})";
    const Bytes chain1 = md5_chain(k_collision_a, "2026-06-01T12:05:00Z");
    const Bytes chain2 = sha256_renewal(k_collision_a, chain1, "2026-06-15T00:00:00Z");
    test::write_bytes(dir / "a.ers", record_der({EVP_md5(), EVP_sha256()}, cat({chain1, chain2})));
    const auto r = verify(dir / "a.ers", dir / "a.bin", "2026-12-01T00:00:00Z", policy);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    const auto e = entry(r);
    EXPECT_EQ(e["subIndication"], "CRYPTO_CONSTRAINTS_FAILURE_NO_POE");
    const std::string why = e["explanation"];
    EXPECT_NE(why.find("2026-06-10"), std::string::npos) << why;
    EXPECT_NE(why.find("chain 1"), std::string::npos) << why;
}

// ---- validation time before the proof --------------------------------------------------------

TEST_F(ErsPolicy, ValidationTimeBeforeTheFirstTimeStampIsNoProof) {
    const EVP_MD* md = EVP_sha256();
    const Bytes token = make_token(md, digest(md, k_collision_a), "2026-06-01T12:05:00Z");
    test::write_bytes(dir / "a.ers", record_der({md}, tlv(0x30, stamp_der(md, token))));
    auto r = verify(dir / "a.ers", dir / "a.bin", "2026-12-01T00:00:00Z");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    r = verify(dir / "a.ers", dir / "a.bin", "2026-05-01T00:00:00Z");
    EXPECT_EQ(r.exit_code, 2) << r.out;
    const auto e = entry(r);
    EXPECT_EQ(e["indication"], "INDETERMINATE");
    EXPECT_EQ(e["subIndication"], "NO_POE");
    const std::string why = e["explanation"];
    EXPECT_NE(why.find("2026-06-01T12:05:00Z"), std::string::npos) << why;
}

}  // namespace
}  // namespace ltsign
