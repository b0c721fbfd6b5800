"""The verify_sign rule, checked against the sample SSLCommerz publishes.

The sample is the "Validate IPN" example of SSLCommerz's official Python library README
(github.com/sslcommerz/SSLCommerz-Python, also the sslcommerz-lib page on PyPI), whose
store password is ``test_testemi@ssl``. Its ``verify_sign`` (md5) and ``verify_sign_sha2``
(sha256 over the same string, with ``store_passwd`` = sha256 of the password) are
SSLCommerz's own values, not ours.
"""

import pytest
from sslcommerz_lib import SSLCOMMERZ

from payments.gateway import SUCCESS_SIGNED_FIELDS, SSLCommerzGateway, sign

SAMPLE_PASSWORD = "test_testemi@ssl"
SAMPLE = {
    "tran_id": "5E121A0D01F92", "val_id": "200105225826116qFnATY9sHIwo", "amount": "10.00",
    "card_type": "VISA-Dutch Bangla", "store_amount": "9.75", "card_no": "418117XXXXXX6675",
    "bank_tran_id": "200105225825DBgSoRGLvczhFjj", "status": "VALID", "tran_date": "2020-01-05 22:58:21",
    "currency": "BDT", "card_issuer": "TRUST BANK, LTD.", "card_brand": "VISA", "card_issuer_country": "Bangladesh",
    "card_issuer_country_code": "BD", "store_id": "test_testemi",
    "verify_sign": "d42fab70ae0bcbda5280e7baffef60b0",
    "verify_key": "amount,bank_tran_id,base_fair,card_brand,card_issuer,card_issuer_country,card_issuer_country_code,"
                  "card_no,card_type,currency,currency_amount,currency_rate,currency_type,risk_level,risk_title,status,"
                  "store_amount,store_id,tran_date,tran_id,val_id,value_a,value_b,value_c,value_d",
    "verify_sign_sha2": "02c0417ff467c109006382d56eedccecd68382e47245266e7b47abbb3d43976e",
    "currency_type": "BDT", "currency_amount": "10.00", "currency_rate": "1.0000", "base_fair": "0.00",
    "value_a": "", "value_b": "", "value_c": "", "value_d": "", "risk_level": "0", "risk_title": "Safe",
}


def sample_gateway(store_id="test_testemi"):
    return SSLCommerzGateway(store_id=store_id, store_password=SAMPLE_PASSWORD, base_url="http://127.0.0.1:9",
                             mode="sandbox", timeout=1)


def test_sign_reproduces_sslcommerz_published_sample():
    signature = sign(SAMPLE, SAMPLE["verify_key"].split(","), SAMPLE_PASSWORD)

    assert signature == {k: SAMPLE[k] for k in ("verify_key", "verify_sign", "verify_sign_sha2")}


def test_library_hash_validate_ipn_accepts_the_sample_and_our_signature():
    library = SSLCOMMERZ({"store_id": "test_testemi", "store_pass": SAMPLE_PASSWORD, "issandbox": True})
    fields = {k: v for k, v in SAMPLE.items() if not k.startswith("verify_")}

    assert library.hash_validate_ipn(dict(SAMPLE))
    assert library.hash_validate_ipn({**fields, **sign(fields, fields.keys(), SAMPLE_PASSWORD)})


def test_signature_check_accepts_the_sample():
    assert sample_gateway().signature_is_valid(SAMPLE, SUCCESS_SIGNED_FIELDS)


@pytest.mark.parametrize("change", [
    {"amount": "1000.00"}, {"tran_id": "OTHER"}, {"verify_sign": "0" * 32}, {"verify_sign_sha2": "0" * 64},
])
def test_signature_check_refuses_tampered_notice(change):
    assert not sample_gateway().signature_is_valid({**SAMPLE, **change}, SUCCESS_SIGNED_FIELDS)


@pytest.mark.parametrize("left_out", ["amount", "tran_id", "val_id", "currency", "status", "store_id", "risk_level"])
def test_signature_check_refuses_verify_key_leaving_out_a_field_that_matters(left_out):
    fields = {k: v for k, v in SAMPLE.items() if not k.startswith("verify_")}
    keys = [k for k in fields if k != left_out]
    notice = {**fields, **sign(fields, keys, SAMPLE_PASSWORD)}

    assert sample_gateway().hash_validate_ipn(dict(notice))  # correctly signed, but not over what we need
    assert not sample_gateway().signature_is_valid(notice, SUCCESS_SIGNED_FIELDS)


def test_signature_check_survives_missing_fields_and_keys():
    gateway = sample_gateway()
    without_amount = {k: v for k, v in SAMPLE.items() if k != "amount"}

    assert not gateway.signature_is_valid(without_amount, SUCCESS_SIGNED_FIELDS)  # the library would KeyError
    assert not gateway.signature_is_valid({"tran_id": "X"}, SUCCESS_SIGNED_FIELDS)
    assert not gateway.signature_is_valid({}, SUCCESS_SIGNED_FIELDS)
