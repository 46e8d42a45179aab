from cairn.store.postgres import pg_sql


def test_question_marks_become_psycopg_placeholders() -> None:
    assert pg_sql("SELECT id FROM t WHERE a = ? AND b = ?") == (
        "SELECT id FROM t WHERE a = %s AND b = %s"
    )


def test_percent_signs_are_escaped_so_psycopg_keeps_them() -> None:
    assert pg_sql("SELECT a % 4 FROM t WHERE b LIKE 'x%' AND c = ?") == (
        "SELECT a %% 4 FROM t WHERE b LIKE 'x%%' AND c = %s"
    )


def test_question_marks_inside_quoted_literals_stay() -> None:
    assert pg_sql("SELECT 'why?', 'it''s?' FROM t WHERE a = ?") == (
        "SELECT 'why?', 'it''s?' FROM t WHERE a = %s"
    )
