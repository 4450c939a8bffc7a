"""The reference for the mixed workload: the same reads as newsdesk's, written the way a
FastAPI + SQLAlchemy service commonly is (an ORM session per request, a count and a page per
listing, the item's references read by the ORM), over the same SQLite file, read-only.

Run by `bench/mixed.py` under uvicorn, one worker per core; `NEWSDESK_REFERENCE_DB` names the
database file. Search uses the same FTS5 table with the same English stemmer (Snowball).
"""
import os

import snowballstemmer
from fastapi import FastAPI, HTTPException, Query
from sqlalchemy import ForeignKey, Text, create_engine, func, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

DATABASE = os.environ["NEWSDESK_REFERENCE_DB"]
engine = create_engine(f"sqlite:///file:{DATABASE}?mode=ro&uri=true", pool_size=8)
stemmer = snowballstemmer.stemmer("english")
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Term(Base):
    __tablename__ = "terms"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str]
    slug: Mapped[str]
    name: Mapped[str]


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Tag(Base):
    __tablename__ = "news_tags"
    news_id: Mapped[int] = mapped_column(ForeignKey("news_items.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(primary_key=True)


class News(Base):
    __tablename__ = "news_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str]
    title: Mapped[str]
    summary: Mapped[str]
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str]
    lang: Mapped[str]
    published_at: Mapped[str | None]
    updated_at: Mapped[str]
    deleted_at: Mapped[str | None]
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id"))
    topic: Mapped[Term | None] = relationship(foreign_keys=[topic_id])
    region: Mapped[Term | None] = relationship(foreign_keys=[region_id])
    author: Mapped[Author | None] = relationship()
    tags: Mapped[list[Tag]] = relationship()


def public():
    return select(News).where(News.deleted_at.is_(None), News.status == "published",
                              News.published_at <= func.strftime("%Y-%m-%d %H:%M:%f", "now"))


def as_json(item):
    return {
        "id": item.id, "slug": item.slug, "title": item.title, "summary": item.summary, "body": item.body,
        "status": item.status, "lang": item.lang, "published_at": item.published_at, "updated_at": item.updated_at,
        "topic": item.topic.slug if item.topic else None, "region": item.region.slug if item.region else None,
        "author": {"id": item.author.id, "name": item.author.name} if item.author else None,
        "tags": sorted(tag.tag for tag in item.tags),
    }


@app.get("/api/v1/news")
def listing(on: str | None = None, topic: str | None = None, q: str | None = None,
            limit: int = Query(20, ge=1, le=100), page: int = Query(1, ge=1)):
    query = public()
    if on:
        year, month = (int(part) for part in on.split("-"))
        following = f"{year + month // 12:04d}-{month % 12 + 1:02d}"
        query = query.where(News.published_at >= f"{on}-01", News.published_at < f"{following}-01")
    if topic:
        query = query.where(News.topic_id == select(Term.id).where(Term.kind == "topic", Term.slug == topic)
                            .scalar_subquery())
    if q:
        words = " ".join(f'"{stemmer.stemWord(word.lower())}"' for word in q.split())
        matching = text("SELECT rowid FROM news_fts WHERE news_fts MATCH :words").bindparams(words=words)
        query = query.where(News.id.in_(matching))
    with Session(engine) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery()))
        rows = session.scalars(query.order_by(News.published_at.desc(), News.id.desc())
                               .limit(limit).offset((page - 1) * limit)).all()
        return {"items": [as_json(item) for item in rows], "total": total}


@app.get("/api/v1/news/{news_id}")
def item(news_id: int):
    with Session(engine) as session:
        found = session.scalars(public().where(News.id == news_id)).first()
        if found is None:
            raise HTTPException(status_code=404)
        return as_json(found)
