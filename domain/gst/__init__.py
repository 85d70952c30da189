"""GST rules for a rehearsal room's invoices and credit notes: pure functions, no I/O,
no sentences for users (refusals are exceptions that carry a code and the facts).

- ``states``: the GST state and union-territory codes (01..38, 97) and their names.
- ``gstin``: the 15-character GST identification number and its check character.
- ``supply``: place of supply of a room booking (IGST Act s. 12(3)) and which taxes apply.
- ``tax``: taxable value and CGST/SGST/UTGST or IGST inside a tax-inclusive price.
- ``sac``: the service code printed on the invoice, with its default.
- ``words``: an amount in words the Indian way (lakh, crore).
- ``numbers``: the financial year and invoice / credit-note numbers (CGST Rules, rule 46(b)).
"""
