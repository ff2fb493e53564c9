"""Course reports (培训总结报告): figures, narrative, charts, PDF, workbook and the 结班材料 ZIP.

figures.py reads the attendance statistics' own function (one source of truth); services.py
keeps the organizer's narrative; pdf.py, charts.py, xlsx.py and closing.py print; views.py and
cli.py are the two ways in.
"""
