"""SMS look-up for residents with a phone but no data (access scenario 2).

``gsm7`` keeps replies inside the GSM 03.38 alphabet and three segments, ``reply`` turns a
message into an answer, ``adapters`` checks gateway signatures, ``ratelimit`` throttles a
sender, ``stats`` feeds staff statistics. See docs/offline.md.
"""
