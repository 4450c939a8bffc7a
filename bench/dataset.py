#!/usr/bin/env python3
"""A synthetic newsroom archive for benchmarking newsdesk, in the format `newsdesk import` reads.

    python3 bench/dataset.py N OUT.jsonl [--seed S] [--languages fr,en,...]

writes N news items spread over ten years (2016-01-01 .. 2025-12-31), with a dozen topics,
six regions, twenty authors, one organization and 0-4 tags per item from forty. Texts are made
of a fixed vocabulary drawn with Zipf-like frequencies, so that a full-text search word has a
realistic share of matching items (from nearly all for common words to about 1% for the
rarest). The same N and seed always give the same bytes, and memory stays constant whatever N:
the tag and change rows, which the format wants after all the items, are spooled to temporary
files next to OUT while the items are written, then appended.

With --languages, items come in stories of one item per language, in consecutive ids, each
with its `lang` and the story's `group_id` (the texts stay the generator's own words: what is
measured is the choice of a language, not the stemming of real French). Without it, rows have
neither field, as exports made before there were languages.
"""
import argparse
import datetime
import itertools
import json
import math
import os
import random
import re
import sys
import tempfile
import time

HEADER = '{"format":"newsdesk-export","version":1}'
START = datetime.datetime(2016, 1, 1)
END = datetime.datetime(2026, 1, 1)  # exclusive: the last item falls on 2025-12-31
# Older than every item: when the taxonomy, authors and organization were set up.
SETUP_TIME = "2015-12-01T00:00:00"
WORDS_PER_MINUTE = 238  # as the server computes reading_time_seconds

TOPICS = [
    ("cybercrime", "Cybercrime", "Crimes committed against or with computers and networks."),
    ("terrorism", "Terrorism", "Counter-terrorism operations and cooperation."),
    ("human-trafficking", "Human trafficking", "Trafficking in human beings and migrant smuggling."),
    ("drug-trafficking", "Drug trafficking", "Illicit drugs and the networks that move them."),
    ("financial-crime", "Financial crime", "Fraud, money laundering and corruption."),
    ("environmental-crime", "Environmental crime", "Wildlife trafficking and other crimes against the environment."),
    ("organized-crime", "Organized crime", "Criminal networks working across borders."),
    ("firearms", "Firearms", "Illicit firearms and their tracing."),
    ("fugitives", "Fugitives", "Wanted persons and international notices."),
    ("policing", "Policing", "How police work and cooperate across borders."),
    ("innovation", "Innovation", "New technology and data-sharing in policing."),
    ("data-protection", "Data protection", "Privacy and the protection of personal data in police cooperation."),
]
REGIONS = [
    ("africa", "Africa", ""),
    ("americas", "Americas", ""),
    ("asia-south-pacific", "Asia and South Pacific", ""),
    ("europe", "Europe", ""),
    ("middle-east-north-africa", "Middle East and North Africa", ""),
    ("global", "Global", "Activities spanning several regions or all member countries."),
]
# Some topics and regions are covered more than others, as in a real archive.
TOPIC_WEIGHTS = [12, 10, 9, 9, 8, 7, 7, 6, 5, 5, 4, 3]
REGION_WEIGHTS = [5, 5, 4, 6, 3, 8]
AUTHORS = [
    ("Amara Okafor", "Senior Correspondent"), ("Lucas Moreau", "Editor"), ("Mei Tanaka", "Reporter"),
    ("Rafael Gomez", "Reporter"), ("Ingrid Larsen", "Data Journalist"), ("Samir Haddad", "Correspondent"),
    ("Olivia Brown", "Managing Editor"), ("Kwame Mensah", "Reporter"), ("Anna Kowalska", "Reporter"),
    ("Daniel Fischer", "Correspondent"), ("Priya Raman", "Senior Reporter"), ("Tomas Novak", "Reporter"),
    ("Fatima Zahra", "Correspondent"), ("Hugo Silva", "Photo Editor"), ("Elena Petrova", "Reporter"),
    ("Jin Park", "Reporter"), ("Grace Mwangi", "Editor"), ("Mateo Rossi", "Reporter"),
    ("Sofia Lindqvist", "Correspondent"), ("Noah Adeyemi", "Reporter"),
]
TAGS = [
    "operation", "arrest", "seizure", "training", "conference", "notice", "database", "partnership",
    "investigation", "ransomware", "phishing", "malware", "cocaine", "heroin", "synthetic-drugs",
    "money-laundering", "fraud", "corruption", "wildlife", "forestry", "fisheries", "pollution",
    "smuggling", "victims", "children", "border", "maritime", "aviation", "firearms", "explosives",
    "forensics", "biometrics", "fingerprints", "dna", "cultural-heritage", "counterfeit", "cryptocurrency",
    "extradition", "capacity-building", "general-assembly",
]
TAG_COUNTS, TAG_COUNT_WEIGHTS = [0, 1, 2, 3, 4], [15, 30, 30, 15, 10]
# Published, draft, archived: cumulative shares.
STATUS_SHARES = [(0.97, "published"), (0.99, "draft"), (1.0, "archived")]
ORGANIZATION_SHARE = 0.7  # items that belong to the organization; the rest have none

# Function words first: they are the most frequent, and PostgreSQL's English configuration
# drops them from its index, so a benchmark never searches for one of them.
FUNCTION_WORDS = """the of and to in a for on with by from that as at is was were are has have
    had be been will would it its their they this which who after over into under against
    between during more than also not but said new two three""".split()
# Content words, from the most to the least frequent.
CONTENT_WORDS = """police operation countries international national officers arrested
    authorities criminal network crime information cooperation global security investigation
    suspects support member data law enforcement agencies meeting regional border public
    officials secretary general cases training illegal trafficking victims evidence project
    capacity partners team units specialized drugs seized analysis country week month year
    experts response threats tools officials systems access notice notices forensic
    identified results analysts prosecutors judicial cross coordinated digital online
    services platform technology financial funds assets money laundering fraud victims
    companies sector private industry partners groups organized networks leaders members
    wanted fugitive fugitives located extradited extradition warrant court charges sentenced
    prison investigators detectives inquiries searches raids seizures seized tonnes kilograms
    cocaine heroin methamphetamine cannabis precursor chemicals laboratories shipments
    containers ports airports maritime vessels aircraft routes smuggling migrants workers
    children exploitation abuse rescued sexual forced labour recruitment identity documents
    passports counterfeit goods medicines pharmaceuticals products markets firearms weapons
    ammunition explosives tracing registry ballistic cybercriminals ransomware malware phishing
    infrastructure servers domains accounts cryptocurrency wallets exchanges blockchain
    attacks breaches botnet takedown wildlife ivory rhino pangolin timber forestry fisheries
    vessels pollution waste mining gold minerals environmental heritage artefacts cultural
    stolen vehicles motor insurance corruption bribery embezzlement procurement tax evasion
    terrorist terrorism foreign fighters battlefield radicalization propaganda attack
    biometric fingerprints facial recognition dna profiles databases records searches
    matched hits alerts purple yellow red blue green diffusion bureau bureaus headquarters
    office offices complex innovation centre laboratory research future strategy policy
    framework agreement resolution assembly delegates ministers summit conference workshop
    course courses curriculum instructors graduates mentoring exchange secondment liaison
    deployment mission incident crisis disaster humanitarian emergency pandemic health
    vaccine supply chain logistics customs immigration coast guard navy army gendarmerie
    ministry interior justice prosecutor magistrate tribunal verdict appeal sanctions assets
    frozen confiscated recovered returned compensation restitution donors funding grant
    programme initiative campaign awareness prevention outreach schools youth communities
    women gender equality diversity ethics integrity transparency accountability oversight
    privacy protection personal consent retention safeguards audit compliance standards
    interoperability connectivity bandwidth satellite radio encryption darknet marketplaces
    vendors buyers couriers mules launderers brokers kingpins cartel clans syndicate gangs
    piracy kidnapping ransom extortion homicide robbery burglary theft poaching trafficked
    smuggled counterfeiters forgers hackers insiders whistleblowers informants witnesses
    undercover surveillance wiretap intercept decryption attribution jurisdiction sovereignty
    treaty convention protocol memorandum observer delegation anniversary centenary milestone
    archipelago hinterland corridor estuary savannah highlands peninsula lagoon"""
CONTENT_WORDS = list(dict.fromkeys(w for w in CONTENT_WORDS.split() if w not in FUNCTION_WORDS))  # no repeats
VOCABULARY = FUNCTION_WORDS + CONTENT_WORDS


def _zipf(count, exponent, offset, total):
    """Zipf-Mandelbrot weights for `count` words by rank, summing to `total`."""
    weights = [1.0 / (rank + offset) ** exponent for rank in range(1, count + 1)]
    return [w * total / sum(weights) for w in weights]


# Function words make 45% of running text, as in English. Content words fall off steeply, so
# that a few hundred of them span realistic search selectivities: the most frequent is in
# nearly every item, the 200th in about 5%, the rarest in about 1%.
FUNCTION_SHARE = 0.45
_WEIGHTS = (_zipf(len(FUNCTION_WORDS), 1.0, 2.7, FUNCTION_SHARE)
            + _zipf(len(CONTENT_WORDS), 2.0, 10.0, 1.0 - FUNCTION_SHARE))
_CUMULATIVE = list(itertools.accumulate(_WEIGHTS))
_CONTENT_CUMULATIVE = list(itertools.accumulate(_WEIGHTS[len(FUNCTION_WORDS):]))
# Words in an average item (title, summary and body together), for the expected shares below.
AVERAGE_ITEM_WORDS = 350


def expected_share(word):
    """The share of items expected to contain `word` at least once, from its weight: lets the
    benchmark pick a search word of known selectivity without scanning the data."""
    p = _WEIGHTS[VOCABULARY.index(word)] / _CUMULATIVE[-1]
    return 1.0 - (1.0 - p) ** AVERAGE_ITEM_WORDS


def search_word(share=0.03):
    """The content word whose expected share of matching items is closest to `share`: a
    mid-frequency search, neither a stop word nor a word that matches almost nothing."""
    candidates = [w for w in VOCABULARY if w not in FUNCTION_WORDS]
    return min(candidates, key=lambda w: abs(math.log(expected_share(w) / share)))


def _words(rng, k):
    return rng.choices(VOCABULARY, cum_weights=_CUMULATIVE, k=k)


def _sentence(rng, max_chars=None):
    """One sentence of 6 to 22 words, sometimes with a number or a comma; cut to `max_chars`
    when given (a shorter sentence still ends with a period)."""
    words = _words(rng, rng.randint(6, 22))
    if rng.random() < 0.08:
        words[rng.randrange(1, len(words))] = str(rng.randint(2, 2000))
    if len(words) > 8 and rng.random() < 0.3:
        i = rng.randrange(3, len(words) - 3)
        words[i] += ","
    if max_chars is not None:
        while len(words) > 1 and len(" ".join(words)) + 1 > max_chars:
            words.pop()
        words[-1] = words[-1].rstrip(",")
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def title(rng):
    """40 to 110 characters on one line, without a final period, like a headline."""
    target = rng.randint(40, 110)
    words = []
    length = -1
    while length < target:
        # Headlines lean on content words more than running text does.
        if rng.random() < 0.7:
            word = rng.choices(CONTENT_WORDS, cum_weights=_CONTENT_CUMULATIVE)[0]
        else:
            word = _words(rng, 1)[0]
        if length + 1 + len(word) > 110:
            if length >= 40:
                break
            continue
        words.append(word)
        length += 1 + len(word)
    text = " ".join(words)
    return text[0].upper() + text[1:]


def summary(rng):
    """120 to 300 characters: whole sentences, the last one shortened to fit."""
    target = rng.randint(120, 300)
    sentences = []
    length = -1
    while length < target:
        room = 300 - length - 1
        if room < 20:  # room for any word and its period
            break
        sentence = _sentence(rng, max_chars=room)
        sentences.append(sentence)
        length += 1 + len(sentence)
    return " ".join(sentences)


def body(rng):
    """About 1,200 to 3,000 characters of markdown in 3 to 6 paragraphs, sometimes with a
    subheading and a word in bold, as an editor would write it."""
    target = rng.randint(1200, 2800)
    sentences = []
    length = 0
    while length < target:
        sentence = _sentence(rng)
        sentences.append(sentence)
        length += len(sentence) + 1
    count = min(rng.randint(3, 6), len(sentences))
    bounds = [round(i * len(sentences) / count) for i in range(count + 1)]
    paragraphs = []
    for i in range(count):
        paragraph = " ".join(sentences[bounds[i]:bounds[i + 1]])
        if rng.random() < 0.2:
            word = rng.choice(CONTENT_WORDS)
            paragraph = paragraph.replace(f" {word} ", f" **{word}** ", 1)
        paragraphs.append(paragraph)
    if count >= 4 and rng.random() < 0.3:
        heading = " ".join(_words(rng, rng.randint(2, 5)))
        paragraphs.insert(2, "## " + heading[0].upper() + heading[1:])
    return "\n\n".join(paragraphs)


# A whitespace-separated token with no letter or digit in it (such as "##"): the server does
# not count it as a word. The generated text is ASCII, so ASCII classes suffice.
_WORDLESS_TOKEN = re.compile(r"(?<!\S)[^\sA-Za-z0-9]+(?!\S)")


def reading_time_seconds(text):
    """As the server computes it: words with a letter or digit, at 238 a minute, rounded up."""
    words = len(text.split()) - len(_WORDLESS_TOKEN.findall(text))
    return -(-words * 60 // WORDS_PER_MINUTE)


def slug_of(text, item_id):
    """A slug from the title, made unique by the id and kept within the 120-character limit."""
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in text.lower()).split()
    suffix = f"-{item_id}"
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) + len(suffix) > 120:
            break
        slug = candidate
    return (slug or "item") + suffix


def _timestamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def _line(table, row):
    return json.dumps({"table": table, "row": row}, separators=(",", ":")) + "\n"


def _reference_rows():
    """Topics, regions, authors and the organization: the rows every item points to."""
    rows = []
    for i, (slug, name, description) in enumerate(TOPICS + REGIONS, start=1):
        kind = "topic" if i <= len(TOPICS) else "region"
        rows.append(("terms", {"id": i, "kind": kind, "slug": slug, "name": name, "description": description,
                               "created_at": SETUP_TIME, "updated_at": SETUP_TIME}))
    for i, (name, job) in enumerate(AUTHORS, start=1):
        rows.append(("authors", {"id": i, "name": name, "title": job, "bio": f"{name}, {job} at the newsroom.",
                                 "created_at": SETUP_TIME, "updated_at": SETUP_TIME}))
    rows.append(("organizations", {
        "id": 1, "slug": "newsroom", "name": "Newsroom", "created_at": SETUP_TIME, "updated_at": SETUP_TIME,
        "full_name": "The Benchmark Newsroom", "kind": "inter-governmental organization",
        "tagline": "Police cooperation news, synthesized for load tests.",
        "description": "A fictitious organization whose archive exists only to measure newsdesk.",
        "member_count": 195, "website": None, "headquarters_city": "Lyon", "headquarters_country": "FR",
    }))
    return rows


def item(rng, item_id, count, languages=None):
    """News item `item_id` of `count`: its row, its tags and its change row. Items come in
    publication order, each in its own slot of the ten years, so ids grow with dates as in a
    real archive. With `languages`, item `item_id` is its story's item in one of them."""
    span = (END - START).total_seconds()
    slot = START + datetime.timedelta(seconds=int((item_id - 1 + rng.random()) * span / count))
    draw = rng.random()
    status = next(name for share, name in STATUS_SHARES if draw < share)
    created = slot - datetime.timedelta(seconds=rng.randint(600, 3 * 86400))
    published = None if status == "draft" else slot
    updated = slot if published else created + datetime.timedelta(seconds=rng.randint(60, 86400))
    if rng.random() < 0.15:  # edited later
        updated += datetime.timedelta(seconds=rng.randint(60, 30 * 86400))
    topic = rng.choices(range(1, len(TOPICS) + 1), weights=TOPIC_WEIGHTS)[0]
    region = len(TOPICS) + rng.choices(range(1, len(REGIONS) + 1), weights=REGION_WEIGHTS)[0]
    author = rng.randint(1, len(AUTHORS))
    organization = 1 if rng.random() < ORGANIZATION_SHARE else None
    tags = sorted(rng.sample(TAGS, rng.choices(TAG_COUNTS, weights=TAG_COUNT_WEIGHTS)[0]))
    headline, lead, text = title(rng), summary(rng), body(rng)
    row = {
        "id": item_id, "slug": slug_of(headline, item_id), "title": headline, "summary": lead, "body": text,
        "topic_id": topic, "region_id": region, "author_id": author, "organization_id": organization,
        "status": status, "published_at": _timestamp(published) if published else None,
        "reading_time_seconds": reading_time_seconds(text),
        "created_at": _timestamp(created), "updated_at": _timestamp(updated), "deleted_at": None, "deleted_by": None,
    }
    if languages:
        position = (item_id - 1) % len(languages)
        row["lang"], row["group_id"] = languages[position], item_id - position
    # Every date is before the benchmark runs, so a published item is public.
    change = {"news_id": item_id, "change_seq": item_id, "change_at": _timestamp(updated),
              "public": status == "published", "ever_public": status != "draft"}
    return row, tags, change, updated


def generate(count, out, seed=1, languages=None):
    """Writes the export for `count` items to the path `out` (atomically: a half-written file
    never takes its name), in stories of one item per language of `languages` if given.
    Returns the number of bytes written."""
    rng = random.Random(seed)
    directory = os.path.dirname(os.path.abspath(out))
    os.makedirs(directory, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".dataset-") as spool:
        tags_path, changes_path, main_path = (os.path.join(spool, n) for n in ("tags", "changes", "main"))
        with open(main_path, "w", encoding="utf-8") as main, open(tags_path, "w", encoding="utf-8") as tag_file, \
                open(changes_path, "w", encoding="utf-8") as change_file:
            main.write(HEADER + "\n")
            for table, row in _reference_rows():
                main.write(_line(table, row))
            last_change = datetime.datetime(1970, 1, 1)
            for item_id in range(1, count + 1):
                row, tags, change, updated = item(rng, item_id, count, languages)
                main.write(_line("news_items", row))
                for tag in tags:
                    tag_file.write(_line("news_tags", {"news_id": item_id, "tag": tag}))
                change_file.write(_line("news_changes", change))
                last_change = max(last_change, updated)
        with open(main_path, "a", encoding="utf-8") as main:
            for path in (tags_path, changes_path):
                with open(path, encoding="utf-8") as part:
                    while chunk := part.read(1 << 20):
                        main.write(chunk)
            main.write(_line("content_clock", {"id": 1, "changed_at": _timestamp(last_change), "change_seq": count}))
        os.replace(main_path, out)
    return os.path.getsize(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of news items")
    parser.add_argument("out", help="the JSON-lines file to write")
    parser.add_argument("--seed", type=int, default=1, help="same seed and count, same bytes (default 1)")
    parser.add_argument("--languages", help="comma list: stories of one item per language")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("count must be at least 1")
    started = time.monotonic()
    size = generate(args.count, args.out, args.seed, args.languages.split(",") if args.languages else None)
    print(f"wrote {args.count} items, {size / 1e6:.1f} MB, in {time.monotonic() - started:.1f} s: {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
