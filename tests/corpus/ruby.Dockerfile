FROM ruby:3.3
RUN gem install bundler
RUN gem install rails:7.1.3 && gem install rake -v 13.2.1
RUN gem install rubocop --no-document
RUN gem update --system
RUN bundle install
