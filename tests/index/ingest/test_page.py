"""The scraped-page reader on the bundled sample, with exact expectations."""

from index.ingest.page import read_page
from index.text.sentences import split_sentences

NOISE = ("Advertisement", "Getty Images", "Try Our AI Features", "Explore what", "No comments yet")


def test_sample_page_splits_into_its_four_articles(sample_page):
    articles = read_page(sample_page.read_text())
    assert [a.title for a in articles] == [
        "Putin agreed to let US, Europe offer NATO-style security protections for Ukraine, "
        "Trump envoy says",
        "Ukraine won't give up land that Russia doesn't already occupy, Zelensky says after "
        "Putin's demand",
        "Pence urges Trump to take out the ‘hammer' on Russia: ‘Putin's not going to stop "
        "until he's stopped'",
        "Israel's growing frustration over the war in Gaza erupts in nationwide protests",
    ]
    assert [a.source for a in articles] == ["", "New York Post", "New York Post", "The Hill"]
    # The page gives no url and only relative ages: none are invented.
    assert all(a.url == "" and a.published == "" for a in articles)


def test_sample_page_bodies_have_no_site_chrome_or_captions(sample_page):
    for article in read_page(sample_page.read_text()):
        for noise in NOISE:
            assert noise not in article.text, (noise, article.title)
        assert "Comments" not in article.text.splitlines()


def test_captions_go_but_real_text_and_datelines_stay(sample_page):
    articles = read_page(sample_page.read_text())
    text = "\n".join(a.text for a in articles)
    assert "JERUSALEM (AP) — Israeli police made dozens of arrests" in text
    assert "Ukrainian troops have been able to effectively halt" not in text  # a caption
    assert "A Ukrainian soldier fires a howitzer" not in text  # a caption
    assert "became the first US president to meet" not in text  # a caption after "CNN"
    # The sentences around the captions are intact.
    assert "'The contact line is the best line for talking. 'Russia is still unsuccessful" in text
    assert "Putin has been unable to take it for 12 years" in text


def test_lead_article_keeps_its_quotes(sample_page):
    lead = read_page(sample_page.read_text())[0]
    assert lead.text.startswith("'We were able to win the following concession")
    assert lead.text.rstrip().endswith("in a peace deal very, very soon.'")


def test_page_without_structure_is_one_untitled_article():
    articles = read_page("Just one paragraph of text. It has two sentences.")
    assert len(articles) == 1 and articles[0].title == ""


def test_dated_related_block_keeps_its_date():
    page = "Lead title\nLead body.\n\nReuters\n2025-08-17\n- Reuters\nA title\nA body sentence."
    articles = read_page(page)
    assert articles[1].source == "Reuters" and articles[1].published == "2025-08-17"


def test_sentence_splitter_keeps_abbreviations_together():
    text = (
        "Sens. Lindsey Graham (R-SC) and Richard Blumenthal (D-Conn.) have a bill. "
        "U.S. aid resumed."
    )
    assert split_sentences(text) == [
        "Sens. Lindsey Graham (R-SC) and Richard Blumenthal (D-Conn.) have a bill.",
        "U.S. aid resumed.",
    ]
