"""GST rules: GSTINs, state codes, place of supply, tax inside a price, SAC, amounts in
words and invoice / credit-note numbers. Pure rules, no database."""

from __future__ import annotations

import re
from datetime import date

import pytest

from domain.gst.gstin import (
    ALPHABET,
    Gstin,
    GstinProblem,
    GstinRefusedError,
    check_character,
    is_valid_gstin,
    parse_gstin,
)
from domain.gst.numbers import (
    MAX_NUMBER_LENGTH,
    MAX_PREFIX_LENGTH,
    MAX_SEQUENCE,
    DocumentNumber,
    NumberProblem,
    NumberRefusedError,
    check_prefix,
    check_series_prefixes,
    document_number,
    financial_year,
    parse_document_number,
    short_financial_year,
)
from domain.gst.sac import DEFAULT_SAC, SacProblem, SacRefusedError, parse_sac
from domain.gst.states import (
    STATES,
    StateNotFoundError,
    StateProblem,
    state_by_code,
    state_by_name,
)
from domain.gst.supply import Treatment, place_of_supply, supply_of_room, treatment
from domain.gst.tax import BASIS_POINTS, tax_inside, tax_inside_lines
from domain.gst.words import ENGLISH, amount_in_words, number_in_words

# Published GSTINs: the GST portal's sample, and ones used by resilient-tech/india-compliance's
# tests and in public rental invoices. Each passes the portal's check character.
KNOWN_GOOD = [
    ("27AAPFU0939F1ZV", "27", "AAPFU0939F"),
    ("24AAQCA8719H1ZC", "24", "AAQCA8719H"),
    ("24AANFA2641L1ZF", "24", "AANFA2641L"),
    ("29AAHCM7727Q1ZI", "29", "AAHCM7727Q"),
    ("24AUTPV8831F1ZZ", "24", "AUTPV8831F"),
    ("29AABCR1718E1ZL", "29", "AABCR1718E"),
    ("24AABCR6898M1ZN", "24", "AABCR6898M"),
    ("33AAJCR6636B1ZJ", "33", "AAJCR6636B"),
    ("33BXNPP2277D1ZD", "33", "BXNPP2277D"),
    ("07AAGFF2194N1Z1", "07", "AAGFF2194N"),
    ("33AACCM9093R1ZP", "33", "AACCM9093R"),
]

KNOWN_BAD = [
    ("", GstinProblem.EMPTY),
    ("   ", GstinProblem.EMPTY),
    ("27AAPFU0939F1Z", GstinProblem.WRONG_LENGTH),
    ("27AAPFU0939F1ZVV", GstinProblem.WRONG_LENGTH),
    ("27AAPFU0939F1Z*", GstinProblem.BAD_CHARACTERS),
    ("27AAPFU0939F1ZÜ", GstinProblem.BAD_CHARACTERS),
    ("99AAPFU0939F1ZV", GstinProblem.UNKNOWN_STATE),
    ("00AAPFU0939F1ZV", GstinProblem.UNKNOWN_STATE),
    ("25AAPFU0939F1ZV", GstinProblem.UNKNOWN_STATE),  # Daman and Diu, merged in 2020
    ("27AAPF10939F1ZV", GstinProblem.BAD_PAN),
    ("27AAPFU09391FZV", GstinProblem.BAD_PAN),
    ("27AAPFU0939F0ZV", GstinProblem.BAD_ENTITY_NUMBER),
    ("27AAPFU0939F1DV", GstinProblem.NOT_Z),
    ("27AAPFU0939F1ZW", GstinProblem.CHECKSUM),
    ("24AANFA2641L1ZK", GstinProblem.CHECKSUM),  # a test GSTIN whose check character is F
    ("29AABCT1332L1Z5", GstinProblem.CHECKSUM),  # an invented one that circulates in examples
    ("27AAPFU0993F1ZV", GstinProblem.CHECKSUM),  # two digits swapped
]


@pytest.mark.parametrize(("number", "code", "pan"), KNOWN_GOOD)
def test_published_gstins_are_accepted(number: str, code: str, pan: str) -> None:
    gstin = parse_gstin(number)
    assert str(gstin) == number
    assert gstin.state == state_by_code(code)
    assert gstin.pan == pan
    assert gstin.entity_number == "1"
    assert check_character(number[:14]) == number[14]


def test_the_published_worked_example_of_the_check_character() -> None:
    # 27AAPFU0939F1Z: the hashes add up to 221, 221 % 36 = 5, 36 - 5 = 31 → "V".
    assert check_character("27AAPFU0939F1Z") == "V"
    assert ALPHABET[31] == "V"


@pytest.mark.parametrize(("number", "problem"), KNOWN_BAD)
def test_bad_gstins_are_refused_with_what_is_wrong(number: str, problem: GstinProblem) -> None:
    with pytest.raises(GstinRefusedError) as refused:
        parse_gstin(number)
    assert refused.value.problem is problem
    assert not is_valid_gstin(number)


def test_a_refusal_says_the_length_given_and_never_echoes_the_number() -> None:
    with pytest.raises(GstinRefusedError) as refused:
        parse_gstin("27AAPFU0939F1Z")
    assert refused.value.length == 14
    with pytest.raises(GstinRefusedError) as refused:
        parse_gstin("27AAPFU0939F1ZW")
    assert "AAPFU0939F" not in str(refused.value)
    assert "AAPFU0939F" not in repr(refused.value)


@pytest.mark.parametrize("typed", ["27aapfu0939f1zv", " 27 AAPFU 0939 F1ZV ", "27-AAPFU-0939-F1ZV"])
def test_case_spaces_and_hyphens_do_not_matter(typed: str) -> None:
    assert parse_gstin(typed) == Gstin("27AAPFU0939F1ZV")


@pytest.mark.parametrize(("number", "_code", "_pan"), KNOWN_GOOD)
def test_every_single_character_mistake_is_caught(number: str, _code: str, _pan: str) -> None:
    for position in range(len(number)):
        for replacement in ALPHABET:
            if replacement == number[position]:
                continue
            typo = number[:position] + replacement + number[position + 1 :]
            assert not is_valid_gstin(typo), typo


def test_a_gstin_cannot_be_built_around_the_checks() -> None:
    with pytest.raises(GstinRefusedError):
        Gstin("27AAPFU0939F1ZW")


def test_the_check_character_needs_fourteen_characters() -> None:
    with pytest.raises(ValueError, match="14"):
        check_character("27AAPFU0939F1")


# --- states -----------------------------------------------------------------------------


def test_every_code_from_01_to_38_and_97_is_a_state_or_named_as_retired() -> None:
    codes = [state.code for state in STATES]
    assert len(set(codes)) == len(codes) == 37
    assert len({state.name for state in STATES}) == len(STATES)
    for number in [*range(1, 39), 97]:
        code = f"{number:02d}"
        if code in ("25", "28"):
            with pytest.raises(StateNotFoundError) as retired:
                state_by_code(code)
            assert retired.value.problem is StateProblem.RETIRED
        else:
            assert state_by_code(code).code == code


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("01", "Jammu and Kashmir"),
        ("07", "Delhi"),
        ("26", "Dadra and Nagar Haveli and Daman and Diu"),
        ("27", "Maharashtra"),
        ("29", "Karnataka"),
        ("36", "Telangana"),
        ("37", "Andhra Pradesh"),
        ("38", "Ladakh"),
        ("97", "Other Territory"),
    ],
)
def test_states_by_code_and_by_name(code: str, name: str) -> None:
    assert state_by_code(code).name == name
    assert state_by_name(name).code == code


def test_names_are_found_however_they_are_written() -> None:
    assert state_by_name("  jammu & kashmir ").code == "01"
    assert state_by_name("TAMIL NADU").code == "33"
    assert state_by_name("Dadra & Nagar Haveli and Daman & Diu").code == "26"
    assert state_by_name("Orissa").code == "21"
    assert state_by_name("Pondicherry").code == "34"
    assert state_by_name("N.C.T. of Delhi").code == "07"
    assert all(state_by_name(state.name) == state for state in STATES)


def test_codes_may_be_given_without_the_leading_zero() -> None:
    assert state_by_code("7") == state_by_code(7) == state_by_code("07")


@pytest.mark.parametrize("code", ["00", "39", "96", "99", "xx", "", "100"])
def test_unknown_codes_are_refused(code: str) -> None:
    with pytest.raises(StateNotFoundError) as refused:
        state_by_code(code)
    assert refused.value.problem is StateProblem.UNKNOWN


def test_unknown_names_are_refused() -> None:
    with pytest.raises(StateNotFoundError):
        state_by_name("Atlantis")


def test_union_territories_without_a_legislature_levy_utgst() -> None:
    utgst = {state.code for state in STATES if state.levies_utgst}
    assert utgst == {"04", "26", "31", "35", "38", "97"}  # UTGST Act s. 2(8); not Delhi, Puducherry, J&K


# --- place of supply ----------------------------------------------------------------------

MUMBAI_OWNER = parse_gstin("27AAPFU0939F1ZV")
BENGALURU_BAND = parse_gstin("29AAHCM7727Q1ZI")
DELHI_OWNER = parse_gstin("07AAGFF2194N1Z1")
MAHARASHTRA = state_by_code("27")


def test_place_of_supply_is_the_rooms_state_even_for_a_band_registered_elsewhere() -> None:
    assert place_of_supply(room_state=MAHARASHTRA, recipient=BENGALURU_BAND) == MAHARASHTRA
    assert place_of_supply(room_state=MAHARASHTRA, recipient=None) == MAHARASHTRA


@pytest.mark.parametrize(
    ("seller", "room_code", "recipient", "expected"),
    [
        (MUMBAI_OWNER, "27", None, Treatment.INTRA_STATE),
        (MUMBAI_OWNER, "27", BENGALURU_BAND, Treatment.INTRA_STATE),
        (BENGALURU_BAND, "27", None, Treatment.INTER_STATE),
        (BENGALURU_BAND, "27", MUMBAI_OWNER, Treatment.INTER_STATE),
        (DELHI_OWNER, "07", None, Treatment.INTRA_STATE),
        (parse_gstin("04AAPFU0939F1Z" + check_character("04AAPFU0939F1Z")), "04", None, Treatment.INTRA_UT),
        (None, "27", BENGALURU_BAND, Treatment.NOT_REGISTERED),
        (None, "04", None, Treatment.NOT_REGISTERED),
    ],
)
def test_which_taxes_a_booking_carries(
    seller: Gstin | None, room_code: str, recipient: Gstin | None, expected: Treatment
) -> None:
    supply = supply_of_room(seller=seller, room_state=state_by_code(room_code), recipient=recipient)
    assert supply.place == state_by_code(room_code)
    assert supply.treatment is expected
    assert treatment(seller=seller, place=supply.place) is expected


# --- tax inside a price -----------------------------------------------------------------

RATES = [0, 25, 500, 1200, 1800, 2800, 4000]
TAXED = [Treatment.INTRA_STATE, Treatment.INTRA_UT, Treatment.INTER_STATE]


@pytest.mark.parametrize(
    ("price", "kind", "taxable", "cgst", "sgst", "igst"),
    [
        (118000, Treatment.INTRA_STATE, 100000, 9000, 9000, 0),
        (118000, Treatment.INTER_STATE, 100000, 0, 0, 18000),
        (118000, Treatment.INTRA_UT, 100000, 9000, 9000, 0),
        (59, Treatment.INTRA_STATE, 49, 5, 5, 0),  # 9 paise of tax: the odd one is not split
        (59, Treatment.INTER_STATE, 50, 0, 0, 9),
        (100000, Treatment.INTRA_STATE, 84746, 7627, 7627, 0),
        (100000, Treatment.INTER_STATE, 84746, 0, 0, 15254),
        (1, Treatment.INTRA_STATE, 1, 0, 0, 0),
        (0, Treatment.INTER_STATE, 0, 0, 0, 0),
        (118000, Treatment.NOT_REGISTERED, 118000, 0, 0, 0),
    ],
)
def test_tax_inside_a_price_at_18_percent(
    price: int, kind: Treatment, taxable: int, cgst: int, sgst: int, igst: int
) -> None:
    breakdown = tax_inside(price, 1800, kind)
    assert (breakdown.taxable_paise, breakdown.cgst_paise, breakdown.sgst_paise, breakdown.igst_paise) == (
        taxable,
        cgst,
        sgst,
        igst,
    )
    assert breakdown.price_paise == price


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("kind", TAXED)
def test_parts_add_up_exactly_and_each_tax_is_its_rate_of_the_taxable_value(
    rate: int, kind: Treatment
) -> None:
    prices = [*range(3000), *range(3000, 2_000_000, 997), 99_99_99_999]
    for price in prices:
        b = tax_inside(price, rate, kind)
        assert b.taxable_paise + b.cgst_paise + b.sgst_paise + b.igst_paise == price
        assert b.taxable_paise >= 0
        assert b.cgst_paise == b.sgst_paise
        if kind is Treatment.INTER_STATE:
            assert b.cgst_paise == 0
            assert abs(b.igst_paise * BASIS_POINTS - b.taxable_paise * rate) <= BASIS_POINTS, price
        else:
            assert b.igst_paise == 0
            assert abs(b.cgst_paise * 2 * BASIS_POINTS - b.taxable_paise * rate) <= 2 * BASIS_POINTS, price


def test_an_unregistered_seller_has_no_tax_lines() -> None:
    breakdown = tax_inside(123456, 1800, Treatment.NOT_REGISTERED)
    assert breakdown.tax_paise == 0
    assert breakdown.rate_bp == 0
    assert breakdown.taxable_paise == 123456


@pytest.mark.parametrize("kind", [*TAXED, Treatment.NOT_REGISTERED])
def test_an_invoice_is_taxed_line_by_line_and_its_totals_are_the_sums(kind: Treatment) -> None:
    lines = [60000, 80000, 80000, 59, 1, 123457]
    invoice = tax_inside_lines(lines, 1800, kind)
    assert [line.price_paise for line in invoice.lines] == lines
    assert invoice.lines == tuple(tax_inside(price, 1800, kind) for price in lines)
    total = invoice.total
    assert total.taxable_paise == sum(line.taxable_paise for line in invoice.lines)
    assert total.cgst_paise == sum(line.cgst_paise for line in invoice.lines)
    assert total.sgst_paise == sum(line.sgst_paise for line in invoice.lines)
    assert total.igst_paise == sum(line.igst_paise for line in invoice.lines)
    assert total.price_paise == sum(lines)
    assert total.cgst_paise == total.sgst_paise
    whole = tax_inside(sum(lines), 1800, kind)
    assert abs(total.tax_paise - whole.tax_paise) <= len(lines) + 1


def test_an_invoice_of_many_sessions_stays_within_a_paisa_per_line_of_the_whole() -> None:
    for count in range(1, 13):
        for price in (59, 60001, 79999, 118000, 99999):
            invoice = tax_inside_lines([price] * count, 1800, Treatment.INTRA_STATE)
            whole = tax_inside(price * count, 1800, Treatment.INTRA_STATE)
            assert invoice.total.price_paise == price * count
            assert abs(invoice.total.tax_paise - whole.tax_paise) <= count + 1


def test_an_empty_invoice_totals_nothing() -> None:
    assert tax_inside_lines([], 1800, Treatment.INTRA_STATE).total.price_paise == 0


@pytest.mark.parametrize(("price", "rate"), [(-1, 1800), (100, -1), (100, 10001)])
def test_impossible_prices_and_rates_are_refused(price: int, rate: int) -> None:
    with pytest.raises(ValueError):
        tax_inside(price, rate, Treatment.INTRA_STATE)


# --- SAC --------------------------------------------------------------------------------


def test_the_default_service_code_is_renting_non_residential_property() -> None:
    assert DEFAULT_SAC.code == "997212"
    assert "non-residential property" in DEFAULT_SAC.description
    assert parse_sac(DEFAULT_SAC.code) == "997212"


@pytest.mark.parametrize(("text", "code"), [("997212", "997212"), (" 9972 12 ", "997212"), ("9996", "9996")])
def test_service_codes_as_typed(text: str, code: str) -> None:
    assert parse_sac(text) == code


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", SacProblem.NOT_DIGITS),
        ("99721", SacProblem.NOT_DIGITS),
        ("99721A", SacProblem.NOT_DIGITS),
        ("９９７２１２", SacProblem.NOT_DIGITS),
        ("85171300", SacProblem.NOT_DIGITS),
        ("851713", SacProblem.NOT_A_SERVICE),
    ],
)
def test_bad_service_codes_are_refused(text: str, problem: SacProblem) -> None:
    with pytest.raises(SacRefusedError) as refused:
        parse_sac(text)
    assert refused.value.problem is problem


# --- amounts in words -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paise", "words"),
    [
        (0, "Rupees Zero Only"),
        (1, "Rupees Zero and One Paise Only"),
        (50, "Rupees Zero and Fifty Paise Only"),
        (100, "Rupees One Only"),
        (1900, "Rupees Nineteen Only"),
        (10500, "Rupees One Hundred Five Only"),
        (120000, "Rupees One Thousand Two Hundred Only"),
        (12000050, "Rupees One Lakh Twenty Thousand and Fifty Paise Only"),
        (10010000, "Rupees One Lakh One Hundred Only"),
        (
            123456789,
            "Rupees Twelve Lakh Thirty Four Thousand Five Hundred Sixty Seven and Eighty Nine Paise Only",
        ),
        (1_00_00_000_00, "Rupees One Crore Only"),
        (1_20_00_000_00, "Rupees One Crore Twenty Lakh Only"),
        (
            99_99_99_999_99,
            "Rupees Ninety Nine Crore Ninety Nine Lakh Ninety Nine Thousand Nine Hundred Ninety Nine"
            " and Ninety Nine Paise Only",
        ),
        (99_00_00_000_00, "Rupees Ninety Nine Crore Only"),
        (100_00_00_000_00, "Rupees One Hundred Crore Only"),
        (1_00_000_00_00_000_00, "Rupees One Lakh Crore Only"),
    ],
)
def test_amounts_in_words_the_indian_way(paise: int, words: str) -> None:
    assert amount_in_words(paise) == words


VALUES = {word: n for n, word in enumerate(ENGLISH.below_hundred)}
SCALES = {"Hundred": 100, "Thousand": 1_000, "Lakh": 1_00_000, "Crore": 1_00_00_000}


def read_number(text: str) -> int:
    """The inverse of number_in_words, written separately, to read the words back."""
    tokens = text.split()
    total, group, i = 0, 0, 0
    while i < len(tokens):
        two = " ".join(tokens[i : i + 2])
        if two in VALUES:
            group, i = VALUES[two], i + 2
            continue
        token = tokens[i]
        if token in VALUES:
            group = VALUES[token]
        elif token == "Crore":
            total = (total + group) * SCALES["Crore"]
            group = 0
        else:
            total += group * SCALES[token]
            group = 0
        i += 1
    return total + group


def test_words_read_back_to_the_amount_from_zero_to_99_crore() -> None:
    top = 99_99_99_999_99
    samples = [*range(30_000), *range(0, top + 1, 98_765_431), top, *(10**k for k in range(12))]
    pattern = re.compile(r"^Rupees (?P<rupees>.+?)(?: and (?P<paise>.+) Paise)? Only$")
    for paise in samples:
        text = amount_in_words(paise)
        match = pattern.match(text)
        assert match is not None, text
        assert " and " not in match["rupees"], text
        assert read_number(match["rupees"]) == paise // 100, text
        assert read_number(match["paise"] or "Zero") == paise % 100, text


def test_numbers_below_a_hundred_are_one_table() -> None:
    assert len(ENGLISH.below_hundred) == 100
    assert ENGLISH.below_hundred[21] == "Twenty One"
    assert number_in_words(99) == "Ninety Nine"
    with pytest.raises(ValueError):
        amount_in_words(-1)


# --- financial years and document numbers ------------------------------------------------


@pytest.mark.parametrize(
    ("day", "fy", "short"),
    [
        (date(2026, 11, 25), "2026-27", "26-27"),
        (date(2027, 3, 31), "2026-27", "26-27"),
        (date(2027, 4, 1), "2027-28", "27-28"),
        (date(2026, 4, 1), "2026-27", "26-27"),
        (date(2026, 3, 31), "2025-26", "25-26"),
        (date(2099, 12, 31), "2099-00", "99-00"),
    ],
)
def test_the_financial_year_runs_april_to_march(day: date, fy: str, short: str) -> None:
    assert financial_year(day) == fy
    assert short_financial_year(fy) == short


def test_document_numbers_are_prefix_short_year_and_six_digits() -> None:
    number = document_number("JR", date(2026, 11, 25), 42)
    assert str(number) == "JR/26-27/000042"
    assert number == DocumentNumber("JR", "2026-27", 42)
    assert parse_document_number("JR/26-27/000042") == number
    assert parse_document_number("CN1/99-00/000001") == DocumentNumber("CN1", "2099-00", 1)


def test_the_longest_number_fits_rule_46b_sixteen_characters() -> None:
    longest = str(document_number("Z" * MAX_PREFIX_LENGTH, date(2026, 4, 1), MAX_SEQUENCE))
    assert longest == "ZZZ/26-27/999999"
    assert len(longest) == MAX_NUMBER_LENGTH == 16
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9/-]{0,15}", longest)  # the e-invoice pattern


@pytest.mark.parametrize(("typed", "prefix"), [("jr", "JR"), (" CN ", "CN"), ("A1", "A1"), ("9", "9")])
def test_prefixes_as_typed(typed: str, prefix: str) -> None:
    assert check_prefix(typed) == prefix


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", NumberProblem.PREFIX_EMPTY),
        ("  ", NumberProblem.PREFIX_EMPTY),
        ("JRIN", NumberProblem.PREFIX_TOO_LONG),
        ("J/R", NumberProblem.PREFIX_CHARACTERS),
        ("J-", NumberProblem.PREFIX_CHARACTERS),
        ("0JR", NumberProblem.PREFIX_CHARACTERS),
        ("JŘ", NumberProblem.PREFIX_CHARACTERS),
    ],
)
def test_bad_prefixes_are_refused(typed: str, problem: NumberProblem) -> None:
    with pytest.raises(NumberRefusedError) as refused:
        check_prefix(typed)
    assert refused.value.problem is problem


def test_a_too_long_prefix_says_how_long_it_may_be() -> None:
    with pytest.raises(NumberRefusedError) as refused:
        check_prefix("JAMROOM")
    assert refused.value.limit == MAX_PREFIX_LENGTH == 3


def test_invoices_and_credit_notes_need_their_own_series() -> None:
    assert check_series_prefixes("jr", "jrc") == ("JR", "JRC")
    with pytest.raises(NumberRefusedError) as refused:
        check_series_prefixes("JR", " jr")
    assert refused.value.problem is NumberProblem.SAME_PREFIX


@pytest.mark.parametrize("sequence", [0, -1, MAX_SEQUENCE + 1])
def test_sequences_run_from_one_to_999999(sequence: int) -> None:
    with pytest.raises(NumberRefusedError) as refused:
        document_number("JR", date(2026, 5, 1), sequence)
    assert refused.value.problem is NumberProblem.SEQUENCE_OUT_OF_RANGE


@pytest.mark.parametrize("text", ["JR/2026-27/000042", "JR-26-27-42", "JR/26-27/42", "jr/26-27/000042", ""])
def test_other_text_is_not_a_document_number(text: str) -> None:
    with pytest.raises(NumberRefusedError) as refused:
        parse_document_number(text)
    assert refused.value.problem is NumberProblem.NOT_A_NUMBER


@pytest.mark.parametrize("fy", ["2026-28", "2026", "26-27", "2026-2027"])
def test_a_financial_year_is_two_consecutive_years(fy: str) -> None:
    with pytest.raises(NumberRefusedError) as refused:
        short_financial_year(fy)
    assert refused.value.problem is NumberProblem.NOT_A_FINANCIAL_YEAR
