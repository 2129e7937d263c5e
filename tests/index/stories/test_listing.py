"""One line per story, and the other outlets of a story."""

from index.storage.story_rows import MemberRow
from index.stories.listing import other_outlets, story_lines


def member(story: int, article: int, source: str, day: str, title: str = "t") -> MemberRow:
    return MemberRow(story, article, title, source, f"https://x.test/{article}", day, day)


def test_other_outlets_most_articles_then_newest_without_the_own_one() -> None:
    members = [
        member(1, 1, "AP", "2025-03-01"),
        member(1, 2, "Reuters", "2025-03-01"),
        member(1, 3, "BBC", "2025-03-03"),
        member(1, 4, "Reuters", "2025-03-02"),
        member(1, 5, " ap ", "2025-03-04"),
        member(1, 6, "", "2025-03-04"),
    ]
    assert other_outlets(members, "AP") == ("Reuters", "BBC")
    assert other_outlets(members, "") == ("AP", "Reuters", "BBC")


def test_story_lines_newest_first_one_per_story() -> None:
    members = [
        member(1, 1, "AP", "2025-03-01", "Dam breaks"),
        member(1, 4, "BBC", "2025-03-02", ""),
        member(2, 2, "Reuters", "2025-03-03", "Rates rise"),
        member(3, 3, "AP", "2025-02-01", "Old news"),
    ]
    lines = story_lines(members, 2)
    assert [s.story_id for s in lines] == [2, 1]
    flood = lines[1]
    # The newest article has no headline: the newest one with a headline stands for it.
    assert (flood.headline, flood.outlet, flood.articles) == ("Dam breaks", "AP", 2)
    assert flood.also_reported_by == ("BBC",)


def test_undated_stories_are_ordered_by_the_day_read() -> None:
    members = [member(5, 9, "AP", "2025-03-05"), member(6, 8, "AP", "2025-03-06")]
    assert [s.story_id for s in story_lines(members, 5)] == [6, 5]
