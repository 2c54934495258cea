"""Context keywords: the words near a value that say what it is. Each is a regular expression
fragment matched case-insensitively as a whole word (``scan.keywords``)."""

from __future__ import annotations

from gateway.guardrails.pii.scan import keywords

SSN = keywords(
    r"ssns?",
    r"ss ?#",
    r"ss no",
    r"social[ -]security",
    r"soc\.? sec\.?",
    r"social sec",
    r"(my|his|her|your|their) social",
)
ITIN = keywords(r"itins?", r"individual taxpayer", r"taxpayer id\w*", r"tax ?id\w*", r"tins?")
CVV = keywords(
    r"cvv2?",
    r"cvc2?",
    r"cvn",
    r"csc",
    r"security code",
    r"card verification( value| code)?",
    r"card code",
    r"digit(?:(?<=[34][ -]digit)|(?<=three[ -]digit)|(?<=four[ -]digit))s?( security)? code",
    r"sec code",
    r"code on (the )?back",
    r"number on (the )?back",
    r"numbers on (the )?back",
    r"digits on (the )?back",
    r"digits on the back",
    r"back of (my|the|your|his|her|their|our) card",
)
# Once a card or its expiry is in the text, a short number after one of these is its CVV.
CODE_IN_CARD_TALK = keywords(r"code", r"sec(urity)?", r"cv", r"verification")
EXPIRY = keywords(
    r"exp\.?", r"expir\w*", r"valid (thru|through|until|till)", r"good (thru|thru)", r"mm ?/ ?yy(yy)?", r"exp date"
)
CARD = keywords(r"cards?", r"visa", r"mastercard", r"amex", r"credit", r"debit")
ACCOUNT = keywords(
    r"accounts?", r"acct\.?", r"acc\.? no", r"a/c", r"checking", r"savings", r"bank account", r"account number"
)
ROUTING = keywords(r"routing", r"aba", r"rtn", r"transit( number)?", r"bank routing", r"rdfi")
PASSPORT = keywords(r"passports?", r"passport (no|number|#)")
NHS = keywords(r"nhs", r"nhs ?number", r"national health( service)?", r"health service")
UTR = keywords(r"utrs?", r"unique taxpayer", r"taxpayer reference", r"self[ -]assessment", r"hmrc", r"tax reference")
SIN = keywords(r"sins?", r"social insurance", r"assurance sociale", r"nas")
CA_HEALTH = keywords(
    r"health cards?",
    r"health (insurance )?number",
    r"health card number",
    r"ohip",
    r"ramq",
    r"phn",
    r"care ?card",
    r"carte (d'assurance[ -]maladie|santé)",
    r"hcn",
)
PHONE = keywords(
    r"phones?",
    r"tel\.?",
    r"telephone",
    r"mobile",
    r"cell( ?phone)?",
    r"fax",
    r"call(ing)?",
    r"text( me)?",
    r"sms",
    r"whatsapp",
    r"dial",
    r"reach (me|us|him|her)",
    r"contact",
    r"ring",
    r"caller",
    r"mobil",
    r"handy",
    r"festnetz",
    r"telefon",
    r"tel[ée]fono",
    r"t[ée]l[ée]phone",
    r"t[ée]l",
    r"portable",
    r"m[óo]vil",
    r"celular",
    r"cellulare",
)
# Words that say a number is something else: an order, a part, a section...
NOT_PERSONAL = keywords(
    r"orders?",
    r"sku",
    r"invoices?",
    r"tickets?",
    r"tracking",
    r"isbn",
    r"serial",
    r"model",
    r"parts?",
    r"items?",
    r"products?",
    r"case",
    r"claims?",
    r"confirmation",
    r"booking",
    r"reference",
    r"ref\.?",
    r"po",
    r"transactions?",
    r"accounts?",
    r"acct\.?",
    r"version",
    r"build",
    r"release",
    r"revision",
    r"rev\.?",
    r"ver\.?",
    r"v",
    r"firmware",
    r"section",
    r"chapter",
    r"figure",
    r"table",
    r"step",
    r"rule",
    r"clause",
    r"paragraph",
    r"oid",
    r"batch",
    r"lot",
    r"docket",
    r"patent",
    r"policy",
    r"receipt",
    r"voucher",
    r"coupon",
    r"ids?",
    r"tags?",
    r"asset",
    r"sample",
    r"specimen",
    r"customer (number|no\.?|#)",
    r"member(ship)? (number|no\.?|#)",
    prefilter=False,
)
# Other identifiers: a number called one of these is not a phone number.
OTHER_IDS = keywords(
    r"nhs",
    r"national health",
    r"ssns?",
    r"social security",
    r"social insurance",
    r"sins?",
    r"passports?",
    r"licen[cs]e",
    r"vins?",
    r"utrs?",
    r"itins?",
    r"iban",
    r"routing",
    r"aba",
    r"health card",
    r"ohip",
    r"member id",
    r"patient id",
    r"(hospital|patient|student|employee|staff|payroll|badge|loyalty|library) (number|no\.?|#)",
    r"mrn",
    r"medical record( number)?",
    r"employee id",
    r"tax id",
    prefilter=False,
)
PIN = keywords(r"pins?", r"pin (code|number)", r"atm pin")
VIN = keywords(r"vins?", r"vehicle identification( number)?", r"chassis( number)?", r"frame number")
SWIFT = keywords(
    r"swift", r"bic", r"bank identifier( code)?", r"bank code", r"iban", r"wire", r"transfer", r"bank", r"routing"
)
AWS_SECRET = keywords(
    r"secret", r"aws_secret_access_key", r"secret_?access_?key", r"secret access key", r"secret key", r"aws"
)
# What a date after "valid thru" or "expires" belongs to when it is not a card.
NOT_CARD_EXPIRY = keywords(
    r"coupons?",
    r"vouchers?",
    r"promo( code)?",
    r"offers?",
    r"discounts?",
    r"deals?",
    r"sales?",
    r"trials?",
    r"warranty",
    r"certificates?",
    r"certs?",
    r"domains?",
    r"tokens?",
    r"links?",
    r"passports?",
    r"licen[cs]es?",
    r"milk",
    r"food",
    r"eggs",
    r"cheese",
    r"meat",
    r"yogh?urt",
    r"medicines?",
    r"medications?",
    r"prescriptions?",
    r"leases?",
    r"contracts?",
    r"polic(y|ies)",
    r"insurance",
    r"subscriptions?",
    r"memberships?",
    r"registration",
    r"permits?",
    prefilter=False,
)
# Words saying a value is a form's example, not someone's ("QQ 12 34 56 C is the placeholder").
EXAMPLE = keywords(
    r"placeholders?", r"examples?", r"e\.g\.", r"samples?", r"dummy", r"fake", r"format", prefilter=False
)
# Words saying a dotted quad of small numbers is a version ("upgraded ... from 2.14.1.0").
VERSION_CHANGE = keywords(
    r"upgrad\w*",
    r"updat\w*",
    r"downgrad\w*",
    r"versions?",
    r"releases?",
    r"firmware",
    r"patch\w*",
    r"builds?",
    r"roll(ed)? ?back",
    r"changelog",
    r"kernel",
    r"openssl",
    prefilter=False,
)
# Words saying a dotted quad is an address, whatever else is said around it.
NETWORK = keywords(
    r"ping",
    r"ips?",
    r"address(es)?",
    r"hosts?",
    r"servers?",
    r"dns",
    r"gateways?",
    r"subnets?",
    r"routes?",
    r"firewall",
    r"allow(ed)?",
    r"block(ed)?",
    r"connect\w*",
    r"ssh",
    r"curl",
    r"nodes?",
    r"resolvers?",
    prefilter=False,
)
