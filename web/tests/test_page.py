"""The query page, driven as a person would: typing, completing, running,
paging, sorting, downloading, DataLink, async jobs, errors, tokens, offline."""

import csv
import io
import os
import time

from astropy.io.votable import parse_single_table
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import requested_urls, screenshot, start_browser, wait_for

SEED = (
    "SELECT obs_id, lsst_band, s_region FROM ivoa.ObsCore "
    "WHERE CONTAINS(POINT('ICRS', 55.7467, -32.2862), s_region) = 1 "
    "AND dataproduct_subtype = 'lsst.deepCoadd_calexp'"
)


def open_page(driver, url):
    driver.get(url + "/")
    driver.execute_script("sessionStorage.clear()")
    driver.get(url + "/")
    wait_for(lambda: driver.execute_script("return Boolean(window.adqlPage && window.adqlPage.ready)"), what="the page")


def type_query(driver, text):
    """Types `text` into the editor with the keyboard, replacing what is there."""
    content = driver.find_element(By.CSS_SELECTOR, "#editor .cm-content")
    content.click()
    content.send_keys(Keys.CONTROL, "a")
    content.send_keys(Keys.DELETE)
    content.send_keys(text)
    content.send_keys(Keys.ESCAPE)


def set_query(driver, text):
    driver.execute_script("window.adqlPage.editor.set(arguments[0])", text)


def run(driver):
    """Runs the editor's query; waits for its result table or its error."""
    driver.execute_script("window.adqlPage.result = null")
    driver.find_element(By.ID, "run-sync").click()
    wait_for(
        lambda: driver.execute_script("return Boolean(window.adqlPage.result)") or driver.find_element(By.ID, "error").text,
        what="a result or an error",
    )


def result_rows(driver):
    return driver.execute_script("return window.adqlPage.result.rows")


def field_names(driver):
    return driver.execute_script("return window.adqlPage.result.fields.map(f => f.name)")


def test_first_paint_is_quick_and_nothing_leaves_the_server(browser, base_url):
    requested_urls(browser)
    open_page(browser, base_url)
    paint = browser.execute_script(
        "return performance.getEntriesByName('first-contentful-paint')[0].startTime"
    )
    editor = browser.execute_script("return performance.getEntriesByName('adql-editor-ready')[0].startTime")
    print(f"first contentful paint {paint:.0f} ms, editor ready {editor:.0f} ms")
    assert paint < 1000 and editor < 2000, f"first paint {paint} ms, the editor {editor} ms"
    # The schema browser lists the service's tables.
    tree = browser.find_element(By.ID, "schema-tree").text
    assert "ivoa.ObsCore" in tree and "tap_schema.columns" in tree
    # Run something with positions so that the sky view (Aladin Lite) loads too.
    set_query(browser, SEED)
    run(browser)
    wait_for(lambda: browser.execute_script("return window.adqlPage.sky && window.adqlPage.sky.footprints"), what="the sky")
    seen = requested_urls(browser)
    assert any(u.endswith("/page/sky.js") for u in seen)

    # The server's own HiPS (adql serve --hips DIR) is the background: its tiles come from the server.
    def tiles():
        seen.extend(requested_urls(browser))
        return [u for u in seen if u.startswith(base_url + "/hips/Norder3/Dir0/Npix")]

    wait_for(tiles, what="HiPS tiles from the server")
    # Every request over the network went to the server (data:, blob: and chrome: URLs stay in the browser).
    foreign = [u for u in seen if u.startswith(("http:", "https:", "ws:", "wss:")) and not u.startswith(base_url + "/")]
    assert foreign == [], f"the page asked other hosts: {foreign}"


def test_a_typo_is_underlined_at_its_span_with_message_and_hint(browser, base_url):
    open_page(browser, base_url)
    type_query(browser, "SELECT obs_idd, s_ra FROM ivoa.ObsCore")
    marked = wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, "#editor .cm-lintRange-error"), what="a squiggle"
    )
    assert [m.text for m in marked] == ["obs_idd"]
    message = browser.find_element(By.ID, "diagnostics").text
    assert "1:8" in message and "no column obs_idd" in message and "did you mean obs_id" in message
    screenshot(browser, "page-diagnostic.png")
    # Mended, the squiggle goes.
    type_query(browser, "SELECT obs_id, s_ra FROM ivoa.ObsCore")
    wait_for(
        lambda: not browser.find_elements(By.CSS_SELECTOR, "#editor .cm-lintRange-error"), what="no squiggle"
    )


def test_a_column_name_completes_from_the_tables(browser, base_url):
    open_page(browser, base_url)
    set_query(browser, "SELECT  FROM ivoa.ObsCore AS o")
    # The caret after SELECT; keys go to the focused editor.
    browser.execute_script("const v = window.adqlPage.editor.view; v.focus(); v.dispatch({selection: {anchor: 7}})")
    ActionChains(browser).send_keys("o.lsst_ba").perform()
    option = wait_for(
        lambda: [
            o for o in browser.find_elements(By.CSS_SELECTOR, ".cm-tooltip-autocomplete li") if "lsst_band" in o.text
        ],
        what="the completion list",
    )
    assert option
    time.sleep(0.3)  # CodeMirror ignores Enter in the first 75 ms of a completion list
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    text = browser.execute_script("return window.adqlPage.editor.text()")
    assert text == "SELECT o.lsst_band FROM ivoa.ObsCore AS o", text


def test_the_seed_query_shows_six_coadds_and_their_footprints(browser, base_url):
    open_page(browser, base_url)
    type_query(browser, SEED)
    run(browser)
    rows = result_rows(browser)
    assert len(rows) == 6
    bands = sorted(r[field_names(browser).index("lsst_band")] for r in rows)
    assert bands == ["g", "i", "r", "u", "y", "z"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#result-table tbody tr")) == 6
    sky = wait_for(
        lambda: browser.execute_script(
            "const s = window.adqlPage.sky; return s && s.footprints !== undefined && "
            "[s.footprints, s.overlay.overlayItems.length, s.centre]"
        ),
        what="the footprints",
    )
    assert sky[0] == 6 and sky[1] == 6, sky
    assert abs(sky[2]["ra"] - 55.75) < 0.5 and abs(sky[2]["dec"] + 32.3) < 0.5, sky
    assert "6 footprints" in browser.find_element(By.ID, "sky-info").text
    # Hovering a row marks its footprint; clicking a footprint selects its row.
    browser.execute_script("window.adqlPage.sky.mark(null, 'select')")
    first = browser.find_element(By.CSS_SELECTOR, "#result-table tbody tr")
    ActionChains(browser).move_to_element(first).perform()
    hovered = int(first.get_attribute("data-row"))
    assert browser.execute_script("return window.adqlPage.sky.hovered") == hovered
    time.sleep(1)
    screenshot(browser, "page-results-sky.png")
    canvas = browser.find_element(By.ID, "aladin")
    xy = browser.execute_script("return window.adqlPage.sky.pixelOf(0)")
    size = canvas.size
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(xy[0] - size["width"] / 2), int(xy[1] - size["height"] / 2)
    ).click().perform()
    selected = wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, "#result-table tbody tr.selected"), what="a selected row"
    )
    assert len(selected) == 1
    picked = int(selected[0].get_attribute("data-row"))
    assert browser.execute_script("return window.adqlPage.sky.selected") == picked


def test_pages_and_sorting(browser, base_url):
    open_page(browser, base_url)
    set_query(browser, "SELECT TOP 120 obs_id, s_ra, t_min FROM ivoa.ObsCore WHERE lsst_band = 'r'")
    run(browser)
    assert len(result_rows(browser)) == 120
    info = browser.find_element(By.ID, "page-info")
    assert "page 1 of 3" in info.text and "1–50 of 120" in info.text
    browser.find_element(By.ID, "page-next").click()
    assert "page 2 of 3" in info.text and "51–100" in info.text
    shown = browser.find_elements(By.CSS_SELECTOR, "#result-table tbody tr")
    assert len(shown) == 50
    header = browser.find_element(By.CSS_SELECTOR, '#result-table th[data-column="s_ra"]')
    header.click()
    column = field_names(browser).index("s_ra") + 2  # the links column is absent: +1 for nth-child

    def visible_ra():
        cells = browser.find_elements(By.CSS_SELECTOR, f"#result-table tbody td:nth-child({column - 1})")
        return [float(c.text) for c in cells]

    ascending = visible_ra()
    assert "page 1 of 3" in info.text
    all_ra = sorted(float(r[1]) for r in result_rows(browser))
    assert ascending == all_ra[:50]
    browser.find_element(By.CSS_SELECTOR, '#result-table th[data-column="s_ra"]').click()
    assert visible_ra() == sorted(all_ra, reverse=True)[:50]
    # MAXREC said plainly.
    browser.find_element(By.ID, "maxrec").clear()
    browser.find_element(By.ID, "maxrec").send_keys("30")
    run(browser)
    assert len(result_rows(browser)) == 30
    overflow = browser.find_element(By.ID, "overflow")
    assert overflow.is_displayed() and "MAXREC=30" in overflow.text


def wait_for_file(directory, name):
    path = directory / name
    wait_for(lambda: path.exists() and path.stat().st_size > 0 and not (directory / (name + ".crdownload")).exists(),
             what=f"{name} downloaded")
    return path


def test_downloads_read_back(browser, base_url, downloads):
    open_page(browser, base_url)
    set_query(browser, SEED)
    run(browser)
    expected = sorted(r[0] for r in result_rows(browser))
    formats = [b.get_attribute("data-format") for b in browser.find_elements(By.CSS_SELECTOR, "#downloads button")]
    assert formats == ["votable", "votable/td", "csv", "tsv", "json", "parquet"]
    browser.find_element(By.CSS_SELECTOR, '#downloads button[data-format="csv"]').click()
    text = wait_for_file(downloads, "result.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["obs_id"] for r in rows) == expected
    browser.find_element(By.CSS_SELECTOR, '#downloads button[data-format="votable"]').click()
    table = parse_single_table(str(wait_for_file(downloads, "result.vot"))).to_table()
    assert sorted(str(v) for v in table["obs_id"]) == expected
    assert table["s_region"].dtype.kind in "OUS"


def test_a_rows_datalink_preview_and_cutout(browser, base_url, downloads):
    open_page(browser, base_url)
    set_query(
        browser,
        "SELECT obs_id, s_ra, s_dec, s_region, access_url, access_format FROM ivoa.ObsCore "
        "WHERE CONTAINS(POINT('ICRS', 55.7467, -32.2862), s_region) = 1 "
        "AND dataproduct_subtype = 'lsst.deepCoadd_calexp' AND lsst_band = 'i'",
    )
    run(browser)
    assert len(result_rows(browser)) == 1
    browser.find_element(By.CSS_SELECTOR, "#result-table button.links").click()
    links = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#links .links-table tbody tr"), what="links")
    semantics = [r.get_attribute("data-semantics") for r in links]
    assert "#this" in semantics and "#preview" in semantics and "#progenitor" in semantics, semantics
    preview = [r for r in links if r.get_attribute("data-semantics") == "#preview"][0]
    preview.find_element(By.TAG_NAME, "button").click()
    image = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#links img.preview"), what="the preview")[0]
    wait_for(lambda: browser.execute_script("return arguments[0].naturalWidth", image) > 0, what="the PNG")
    browser.execute_script("document.getElementById('links').scrollIntoView()")
    screenshot(browser, "page-datalink.png")
    cutout = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#links form.cutout"), what="the cutout form")[0]
    circle = cutout.find_element(By.NAME, "CIRCLE")
    # The form starts on the row's own position.
    row = dict(zip(field_names(browser), result_rows(browser)[0]))
    ra, dec, radius = (float(v) for v in circle.get_attribute("value").split())
    assert abs(ra - float(row["s_ra"])) < 1e-4 and abs(dec - float(row["s_dec"])) < 1e-4 and radius > 0
    circle.clear()
    circle.send_keys("55.7467 -32.2862 0.01")
    cutout.find_element(By.TAG_NAME, "button").click()
    fits = wait_for_file(downloads, "cutout.fits").read_bytes()
    assert fits.startswith(b"SIMPLE  =                    T")
    assert "saved cutout.fits" in browser.find_element(By.CSS_SELECTOR, "#links .link-status").text


def test_an_async_job_runs_through_its_phases(browser, base_url):
    open_page(browser, base_url)
    set_query(browser, "SELECT TOP 5 obs_id, s_ra, s_dec FROM ivoa.ObsCore")
    browser.execute_script("window.adqlPage.result = null")
    browser.find_element(By.ID, "run-async").click()
    wait_for(lambda: browser.execute_script("return Boolean(window.adqlPage.result)"), what="the job's result")
    assert len(result_rows(browser)) == 5
    phases = browser.execute_script("return window.adqlPage.phases")
    assert phases[-1] == "COMPLETED" and len(phases) >= 1, phases
    row = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#jobs tbody tr"), what="the job list")[0]
    assert row.find_element(By.CSS_SELECTOR, ".phase").text == "COMPLETED"
    assert row.find_elements(By.TAG_NAME, "td")[3].text.endswith(" s")
    job = row.get_attribute("data-job")
    # A job that fails says why; the list has both; delete empties it.
    set_query(browser, "SELECT TOP 5 obs_idd FROM ivoa.ObsCore")
    browser.find_element(By.ID, "run-async").click()
    error = wait_for(lambda: browser.find_element(By.ID, "error").text, what="the job's error")
    assert "obs_idd" in error
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#jobs tbody tr")) == 2, what="two jobs")
    assert "ERROR" in [p.text for p in browser.find_elements(By.CSS_SELECTOR, "#jobs .phase")]
    for _ in range(2):
        browser.find_element(By.XPATH, "//table[@id='jobs']//button[text()='delete']").click()
        time.sleep(0.5)
    wait_for(lambda: not browser.find_elements(By.CSS_SELECTOR, f'#jobs tbody tr[data-job="{job}"]'), what="deleted")


def test_a_malformed_query_shows_the_services_error(browser, base_url):
    open_page(browser, base_url)
    set_query(browser, "SELECT TOP 5 FROM ivoa.ObsCore")
    browser.find_element(By.ID, "run-sync").click()
    error = wait_for(lambda: browser.find_element(By.ID, "error").text, what="the error")
    assert "1:14" in error and "^" in error, error
    assert browser.find_element(By.ID, "error").is_displayed()


def test_a_token_is_asked_for_and_sent(tmp_path):
    url = os.environ["ADQL_PAGE_TOKEN_URL"].rstrip("/")
    token = os.environ["ADQL_PAGE_TOKEN"]
    driver = start_browser(tmp_path / "downloads")
    try:
        driver.get(url + "/")
        dialog = wait_for(
            lambda: driver.execute_script("return document.getElementById('token-dialog').open"), what="the token dialog"
        )
        assert dialog
        driver.find_element(By.ID, "token-input").send_keys(token + Keys.ENTER)
        wait_for(lambda: "ivoa.ObsCore" in driver.find_element(By.ID, "schema-tree").text, what="the tables")
        set_query(driver, SEED)
        driver.find_element(By.ID, "run-sync").click()
        wait_for(lambda: driver.execute_script("return Boolean(window.adqlPage.result)"), what="a result")
        assert len(driver.execute_script("return window.adqlPage.result.rows")) == 6
    finally:
        driver.quit()
