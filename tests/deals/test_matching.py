"""The duplicate matcher: the same customer written differently is one customer; different
companies with similar names stay apart (rules in portal/deals/matching.py)."""
from types import SimpleNamespace

import pytest

from portal.deals.matching import match_reasons, normalise_name, normalise_phone

SAME = [
    # Chinese legal forms
    ("深圳市华通科技有限公司", "深圳市华通科技有限责任公司"),
    ("深圳市华通科技有限公司", "深圳市华通科技股份有限公司"),
    ("深圳市华通科技有限公司", "深圳市华通科技公司"),
    ("深圳市华通科技有限公司", "深圳市华通科技"),
    ("华通总公司", "华通有限公司"),
    ("深圳华通投资中心（有限合伙）", "深圳华通投资中心"),
    ("中国移动通信集团广东有限公司", "中国移动通信集团广东有限责任公司"),
    ("华通科技集团有限公司", "华通科技集团股份有限公司"),
    ("华通科技有限公司深圳分公司", "华通科技深圳分公司"),
    ("华通科技有限公司深圳分公司", "华通科技有限责任公司 深圳分公司"),
    # spaces, brackets, punctuation
    ("深圳市华通科技有限公司", "深圳市 华通科技 有限公司"),
    ("  深圳市华通科技有限公司\t", "深圳市华通科技有限公司"),
    ("华通科技（深圳）有限公司", "华通科技(深圳)有限公司"),
    ("华通科技（深圳）有限公司", "华通科技 ( 深圳 ) 有限责任公司"),
    ("深圳·华通科技有限公司", "深圳华通科技有限公司"),
    ("深圳华通-科技有限公司", "深圳华通科技有限公司"),
    ("深圳、华通科技有限公司。", "深圳华通科技有限公司"),
    # full-width and half-width letters and digits, case
    ("华通１２３科技有限公司", "华通123科技有限公司"),
    ("ＡＢＣ科技有限公司", "abc科技有限公司"),
    ("Huatong Trading Co., Ltd.", "Ｈｕａｔｏｎｇ　Ｔｒａｄｉｎｇ　Ｃｏ．，Ｌｔｄ．"),
    ("HUATONG TRADING CO.,LTD.", "Hua Tong Trading Co., Ltd."),
    # Latin legal forms
    ("Huatong Trading Co., Ltd.", "Huatong Trading Co.,Ltd"),
    ("Huatong Trading Co., Ltd.", "HUATONG TRADING COMPANY LIMITED"),
    ("Huatong Trading Co., Ltd.", "huatong trading ltd"),
    ("Huatong Trading Co. Ltd", "Huatong Trading (Co., Ltd.)"),
    ("Huatong Trading Limited", "Huatong Trading Ltd."),
    ("Huatong Trading Inc.", "Huatong Trading"),
    ("Huatong Trading Corp", "Huatong Trading Corporation"),
    ("Huatong Trading LLC", "Huatong-Trading"),
    ("Huatong & Co.", "Huatong"),
    ("O'Neil Trading Co., Ltd.", "ONeil Trading Ltd"),
]

DIFFERENT = [
    ("深圳华通", "深圳华通达"),
    ("深圳华通科技有限公司", "深圳华通达科技有限公司"),
    ("Huatong Trading Co., Ltd.", "Huatong Technology Co., Ltd."),
    ("深圳市华通科技有限公司", "深圳市华通电子有限公司"),  # a shared prefix
    ("华通一号科技有限公司", "华通二号科技有限公司"),
    ("华通科技有限公司", "华通科技集团有限公司"),  # a group is another legal entity
    ("Huatong Group", "Huatong"),
    ("华通科技有限公司", "华通科技有限公司深圳分公司"),  # a branch buys on its own
    ("华通公司", "华通分公司"),
    ("Costco Ltd", "Cost Co., Ltd."),  # legal forms are removed as whole words only
    ("Limited Brands Inc", "Brands Inc"),
    ("深圳华通科技", "广州华通科技"),
    ("华通科技（深圳）有限公司", "华通科技（广州）有限公司"),
    ("深圳市华通科技", "深圳华通科技"),  # we do not guess which 市 is part of a place name
]


@pytest.mark.parametrize("a, b", SAME)
def test_the_same_company_written_differently_matches(a, b):
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_different_companies_with_similar_names_do_not_match(a, b):
    assert normalise_name(a) != normalise_name(b)


def test_the_table_has_at_least_thirty_pairs():
    assert len(SAME) + len(DIFFERENT) >= 30 and len(SAME) >= 15 and len(DIFFERENT) >= 10


@pytest.mark.parametrize("name", ["有限公司", "Limited", "Co., Ltd.", "公司"])
def test_a_name_made_only_of_a_legal_form_is_kept_rather_than_emptied(name):
    assert normalise_name(name) != ""


@pytest.mark.parametrize("written, digits", [
    ("138 1234 5678", "13812345678"),
    ("+86 138-1234-5678", "13812345678"),
    ("0086 13812345678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("＋８６ １３８１２３４５６７８", "13812345678"),
    ("0755-8888 8888", "075588888888"),
    ("(0755) 88888888", "075588888888"),
    ("+86 755 8888 8888", "075588888888"),
    ("400-123-4567", "4001234567"),
])
def test_phones_are_compared_as_digits_without_the_country_code(written, digits):
    assert normalise_phone(written) == digits


def reg(name="深圳市华通科技有限公司", code=None, phone=None, city=1):
    return SimpleNamespace(customer_key=normalise_name(name), credit_code=code, phone=phone, city_id=city)


CODE = "91440300MA5FHT0A14"
OTHER_CODE = "91440300MA5FHT0B28"


def test_a_name_matches_only_in_the_same_city():
    assert match_reasons(reg(city=1), reg("深圳市华通科技有限责任公司", city=1)) == ["name"]
    assert match_reasons(reg(city=1), reg("深圳市华通科技有限责任公司", city=2)) == []


def test_two_different_credit_codes_are_two_companies_whatever_their_names():
    assert match_reasons(reg(code=CODE), reg(code=OTHER_CODE)) == []
    assert match_reasons(reg(code=CODE), reg(code=None)) == ["name"]  # one code missing: the name still counts


def test_a_credit_code_or_a_phone_matches_across_cities_and_names():
    assert match_reasons(reg("甲公司", code=CODE, city=1), reg("乙公司", code=CODE, city=2)) == ["credit_code"]
    assert match_reasons(reg("甲公司", phone="13812345678", city=1),
                         reg("乙公司", phone="13812345678", city=2)) == ["phone"]
    assert match_reasons(reg(code=CODE, phone="13812345678"), reg(code=CODE, phone="13812345678")) == \
        ["credit_code", "phone", "name"]
