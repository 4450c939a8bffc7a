DROP TABLE news_counted;
DROP TABLE news_counts;
DROP TABLE news_count_views;
