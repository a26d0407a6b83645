// Reading CMS SignedData (RFC 5652) and CAdES (ETSI EN 319 122-1) into the neutral model.
#pragma once

#include <vector>

#include "core/file_io.hpp"
#include "crypto/ossl.hpp"
#include "ltsign/inspect.hpp"
#include "validation/data_object.hpp"
#include "validation/model.hpp"

namespace ltsign::cms {

// True when the bytes start like a CMS ContentInfo (DER or BER SEQUENCE holding the
// id-signedData OID, or a PEM "CMS"/"PKCS7" block). Cheap: used to pick the format.
bool looks_like_cms(const core::Bytes& bytes);

// The DER inside a PEM "CMS" or "PKCS7" block, which must be the file's only content (blank
// lines aside). Error(malformed_input) naming `what` otherwise.
core::Bytes der_of_pem(const core::Bytes& bytes, const std::string& what);

// Parses a ContentInfo holding SignedData. BER is accepted (RFC 5652 allows indefinite lengths);
// trailing bytes are not. Error(malformed_input) naming `what` otherwise.
ossl::Ptr<CMS_ContentInfo> parse_signed_data(const core::Bytes& bytes, const std::string& what);
// d2i_CMS_ContentInfo (every byte consumed, Error(malformed_input) otherwise), the certificates
// taken from the process's shared cache where the encoding allows (crypto/certificate_cache.hpp):
// the same structure as decoding the whole, the same certificates in the same order.
ossl::Ptr<CMS_ContentInfo> decode_content_info(const core::Bytes& bytes, const std::string& what);

// The encapsulated content type of a SignedData ("id-data", "id-ct-TSTInfo", ...).
int econtent_nid(const CMS_ContentInfo* cms);

// One set of facts per SignerInfo; a detached signature's content is `document` (nullptr: none
// given; for a signature that carries its content, `document` must match it). The signing
// certificate is looked for among the carried certificates, then among `candidates`; when it is
// in neither, the facts' with_candidates extracts them again with more.
std::vector<validation::SignatureFacts> extract_facts(CMS_ContentInfo* cms,
                                                      const validation::DataObject* document,
                                                      const std::vector<X509*>& candidates = {});

std::vector<InspectField> inspect_fields(CMS_ContentInfo* cms);

}  // namespace ltsign::cms
