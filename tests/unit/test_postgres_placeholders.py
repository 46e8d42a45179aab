from cairn.store.postgres import pg_sql


def test_question_marks_become_numbered_parameters() -> None:
    assert pg_sql("SELECT id FROM t WHERE a = ? AND b IN (?, ?)") == (
        "SELECT id FROM t WHERE a = $1 AND b IN ($2, $3)"
    )


def test_percent_signs_are_left_alone() -> None:
    assert pg_sql("SELECT a % 4 FROM t WHERE b LIKE 'x%' AND c = ?") == (
        "SELECT a % 4 FROM t WHERE b LIKE 'x%' AND c = $1"
    )


def test_question_marks_inside_quoted_literals_stay() -> None:
    assert pg_sql("SELECT 'why?', 'it''s?' FROM t WHERE a = ? AND b = '?' AND c = ?") == (
        "SELECT 'why?', 'it''s?' FROM t WHERE a = $1 AND b = '?' AND c = $2"
    )
